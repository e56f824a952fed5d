"""Small Keras models for the on-device training tests, and their losses and optimizers."""

from __future__ import annotations

from typing import Any


def build_model(keras: Any, kind: str) -> Any:
    """A small MLP (every common activation, dropout) or CNN (conv, batch norm, depthwise conv,
    max and average pooling, dropout)."""
    layers = keras.layers
    if kind == "mlp":
        return keras.Sequential(
            [
                keras.Input((12,)),
                layers.Dense(24, activation="relu"),
                layers.Dense(16, activation="elu"),
                layers.Dense(16, activation="selu"),
                layers.Dense(16, activation="relu6"),
                layers.Dense(16, activation="leaky_relu"),
                layers.Dense(16, activation="gelu"),
                layers.Dense(16, activation="tanh"),
                layers.Dense(16, activation="sigmoid"),
                layers.Dense(16, activation="softplus"),
                layers.Dropout(0.25),
                layers.Dense(5),
            ]
        )
    return keras.Sequential(
        [
            keras.Input((10, 10, 3)),
            # No bias before batch norm (as usual): its gradient is rounding noise, which
            # Adam's normalisation turns into full steps, so no two runtimes would agree.
            layers.Conv2D(6, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.AveragePooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(5),
        ]
    )


def loss_and_optimizer(keras: Any, loss: str, optimizer: str) -> tuple[Any, Any]:
    losses = {
        "sparse_crossentropy": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        "crossentropy": keras.losses.CategoricalCrossentropy(from_logits=True),
        "mse": keras.losses.MeanSquaredError(),
    }
    opt = keras.optimizers.SGD(0.05, momentum=0.9) if optimizer == "sgd" else keras.optimizers.Adam(0.01)
    return losses[loss], opt
