/* compiled_model_run: runs signature 0 of a .tflite that uses opbridge custom ops through
 * LiteRT's CompiledModel C API.
 *
 *   compiled_model_run <model.tflite> <in0.bin> [<in1.bin> ...]
 *
 * Each inN.bin holds the raw bytes of signature input N (in signature order, C order,
 * native endianness). Each output is written to out<i>.bin in the current directory and
 * summarized on stdout: name, LiteRT element type number, shape, first values (float32).
 * A failing kernel's message goes to stderr and the exit status is 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litert_c_api.h"
#include "opbridge/app/tflite_c_api.h" /* opbridge_litert_register, opbridge_last_error */

#define CHECK(call)                                                                 \
  do {                                                                              \
    LiteRtStatus status_ = (call);                                                  \
    if (status_ != 0) {                                                             \
      fprintf(stderr, "error: %s failed with LiteRtStatus %d\n", #call, status_); \
      exit(1);                                                                      \
    }                                                                               \
  } while (0)

/* Bytes per element of a LiteRtElementType (TfLiteType numbers); 0 for the ones this
 * example does not move as raw bytes (strings, resources, variants). */
static size_t element_size(int element_type) {
  switch (element_type) {
    case 3: case 6: case 9: return 1;            /* uint8, bool, int8 */
    case 7: case 10: case 17: case 19: return 2; /* int16, float16, uint16, bfloat16 */
    case 1: case 2: case 16: return 4;           /* float32, int32, uint32 */
    case 4: case 8: case 11: case 13: return 8;  /* int64, complex64, float64, uint64 */
    case 12: return 16;                          /* complex128 */
    default: return 0;
  }
}

/* Number of elements of a layout, or -1 when a dimension is dynamic (< 0). */
static long num_elements(const LiteRtLayout* layout) {
  long n = 1;
  for (unsigned d = 0; d < layout->rank; ++d) {
    if (layout->dimensions[d] < 0) return -1;
    n *= layout->dimensions[d];
  }
  return n;
}

static void* read_file(const char* path, size_t* size) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) {
    perror(path);
    exit(1);
  }
  fseek(file, 0, SEEK_END);
  long length = ftell(file);
  fseek(file, 0, SEEK_SET);
  void* data = malloc(length > 0 ? (size_t)length : 1);
  if (data == NULL || length < 0 || fread(data, 1, (size_t)length, file) != (size_t)length) {
    fprintf(stderr, "error: cannot read %s\n", path);
    exit(1);
  }
  fclose(file);
  *size = (size_t)length;
  return data;
}

static void write_file(const char* path, const void* data, size_t size) {
  FILE* file = fopen(path, "wb");
  if (file == NULL || (size > 0 && fwrite(data, 1, size, file) != size) || fclose(file) != 0) {
    fprintf(stderr, "error: cannot write %s\n", path);
    exit(1);
  }
}

/* The element type the model declares for a signature input or output. */
static int element_type_of(LiteRtSignature signature, size_t index, int is_input) {
  LiteRtTensor tensor;
  if (is_input) {
    CHECK(LiteRtGetSignatureInputTensorByIndex(signature, index, &tensor));
  } else {
    CHECK(LiteRtGetSignatureOutputTensorByIndex(signature, index, &tensor));
  }
  LiteRtRankedTensorType type;
  CHECK(LiteRtGetRankedTensorType(tensor, &type));
  return type.element_type;
}

/* A host-memory buffer of the size the compiled model asks for, with the given type and shape. */
static LiteRtTensorBuffer create_buffer(LiteRtEnvironment env, LiteRtTensorBufferRequirements requirements,
                                        int element_type, const LiteRtLayout* layout) {
  size_t size = 0;
  CHECK(LiteRtGetTensorBufferRequirementsBufferSize(requirements, &size));
  LiteRtRankedTensorType type;
  memset(&type, 0, sizeof(type));
  type.element_type = element_type;
  type.layout = *layout;
  LiteRtTensorBuffer buffer;
  CHECK(LiteRtCreateManagedTensorBuffer(env, kLiteRtTensorBufferTypeHostMemory, &type, size, &buffer));
  return buffer;
}

/* Options: the CPU accelerator (opbridge's kernels are registered as a CPU accelerator) and
 * LiteRT's buffer error reporter, so that a kernel's message can be read after a failed run. */
static LiteRtOptions create_options(void) {
  LiteRtOptions options;
  CHECK(LiteRtCreateOptions(&options));
  CHECK(LiteRtSetOptionsHardwareAccelerators(options, kLiteRtHwAcceleratorCpu));
  static const char kRuntimeOptions[] = "error_reporter_mode = 2\n"; /* TOML, as LiteRT's builder writes */
  char* payload = malloc(sizeof(kRuntimeOptions)); /* LiteRT frees it with free() */
  if (payload == NULL) exit(1);
  memcpy(payload, kRuntimeOptions, sizeof(kRuntimeOptions));
  LiteRtOpaqueOptions runtime_options;
  CHECK(LiteRtCreateOpaqueOptions("runtime_options_string", payload, free, &runtime_options));
  CHECK(LiteRtAddOpaqueOptions(options, runtime_options)); /* now owned by options */
  return options;
}

static void print_output(const char* name, int element_type, const LiteRtLayout* layout, const void* data,
                         long count) {
  printf("%s dtype=%d shape=[", name, element_type);
  for (unsigned d = 0; d < layout->rank; ++d) printf(d ? ",%d" : "%d", (int)layout->dimensions[d]);
  printf("]");
  if (element_type == kLiteRtElementTypeFloat32) {
    printf(" values=");
    for (long i = 0; i < count && i < 6; ++i) printf(i ? " %.9g" : "%.9g", (double)((const float*)data)[i]);
    if (count > 6) printf(" ...");
  }
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <model.tflite> <in0.bin> [<in1.bin> ...]\n", argv[0]);
    return 2;
  }
  LiteRtEnvironment env;
  CHECK(LiteRtCreateEnvironment(0, NULL, &env));
  /* Before any compiled model is created: NULL means the libLiteRt this program links. */
  if (opbridge_litert_register(env, NULL) != 0) {
    fprintf(stderr, "error: opbridge_litert_register: %s\n", opbridge_last_error());
    return 1;
  }
  LiteRtModel model;
  CHECK(LiteRtCreateModelFromFile(env, argv[1], &model));
  LiteRtOptions options = create_options();
  LiteRtCompiledModel compiled;
  CHECK(LiteRtCreateCompiledModel(env, model, options, &compiled));
  LiteRtDestroyOptions(options); /* the caller keeps ownership of compilation options */

  const LiteRtParamIndex sig = 0;
  LiteRtSignature signature;
  CHECK(LiteRtGetModelSignature(model, sig, &signature));
  LiteRtParamIndex num_inputs = 0, num_outputs = 0;
  CHECK(LiteRtGetNumSignatureInputs(signature, &num_inputs));
  CHECK(LiteRtGetNumSignatureOutputs(signature, &num_outputs));
  if ((size_t)(argc - 2) != num_inputs) {
    fprintf(stderr, "error: the model's signature 0 has %zu inputs, %d files given\n", num_inputs, argc - 2);
    return 2;
  }

  LiteRtTensorBuffer* inputs = calloc(num_inputs + 1, sizeof(LiteRtTensorBuffer));
  LiteRtTensorBuffer* outputs = calloc(num_outputs + 1, sizeof(LiteRtTensorBuffer));
  LiteRtLayout* out_layouts = calloc(num_outputs + 1, sizeof(LiteRtLayout));
  if (inputs == NULL || outputs == NULL || out_layouts == NULL) return 1;

  for (size_t i = 0; i < num_inputs; ++i) {
    int type = element_type_of(signature, i, 1);
    LiteRtLayout layout;
    CHECK(LiteRtGetCompiledModelInputTensorLayout(compiled, sig, i, &layout));
    long count = num_elements(&layout);
    if (element_size(type) == 0 || count < 0) {
      fprintf(stderr, "error: input %zu: element type %d or a dynamic shape this example does not feed\n", i,
              type);
      return 1;
    }
    size_t bytes = (size_t)count * element_size(type), file_size = 0;
    void* data = read_file(argv[2 + i], &file_size);
    if (file_size != bytes) {
      fprintf(stderr, "error: %s has %zu bytes, input %zu needs %zu\n", argv[2 + i], file_size, i, bytes);
      return 1;
    }
    LiteRtTensorBufferRequirements requirements;
    CHECK(LiteRtGetCompiledModelInputBufferRequirements(compiled, sig, i, &requirements));
    inputs[i] = create_buffer(env, requirements, type, &layout);
    void* host = NULL;
    CHECK(LiteRtLockTensorBuffer(inputs[i], &host, kLiteRtTensorBufferLockModeWrite));
    if (bytes > 0) memcpy(host, data, bytes);
    CHECK(LiteRtUnlockTensorBuffer(inputs[i]));
    free(data);
  }

  /* update_allocation = true prepares the model, so the layouts are the shapes its ops give. */
  CHECK(LiteRtGetCompiledModelOutputTensorLayouts(compiled, sig, num_outputs, out_layouts, true));
  for (size_t i = 0; i < num_outputs; ++i) {
    LiteRtTensorBufferRequirements requirements;
    CHECK(LiteRtGetCompiledModelOutputBufferRequirements(compiled, sig, i, &requirements));
    outputs[i] = create_buffer(env, requirements, element_type_of(signature, i, 0), &out_layouts[i]);
  }

  if (LiteRtRunCompiledModel(compiled, sig, num_inputs, inputs, num_outputs, outputs) != 0) {
    char* messages = NULL; /* a failing kernel's own message, e.g. "MatrixInverse: ..." */
    if (LiteRtCompiledModelGetErrorMessages(compiled, &messages) == 0 && messages != NULL) {
      fprintf(stderr, "error: %s\n", messages);
      free(messages);
    } else {
      fprintf(stderr, "error: LiteRtRunCompiledModel failed\n");
    }
    return 1;
  }

  for (size_t i = 0; i < num_outputs; ++i) {
    const char* name = NULL;
    CHECK(LiteRtGetSignatureOutputName(signature, i, &name));
    int type = element_type_of(signature, i, 0);
    long count = num_elements(&out_layouts[i]);
    if (element_size(type) == 0 || count < 0) {
      fprintf(stderr, "error: output %zu: element type %d or a dynamic shape this example does not read\n", i,
              type);
      return 1;
    }
    void* host = NULL;
    CHECK(LiteRtLockTensorBuffer(outputs[i], &host, kLiteRtTensorBufferLockModeRead));
    char path[32];
    snprintf(path, sizeof(path), "out%zu.bin", i);
    write_file(path, host, (size_t)count * element_size(type));
    print_output(name, type, &out_layouts[i], host, count);
    CHECK(LiteRtUnlockTensorBuffer(outputs[i]));
  }

  for (size_t i = 0; i < num_inputs; ++i) LiteRtDestroyTensorBuffer(inputs[i]);
  for (size_t i = 0; i < num_outputs; ++i) LiteRtDestroyTensorBuffer(outputs[i]);
  free(inputs);
  free(outputs);
  free(out_layouts);
  LiteRtDestroyCompiledModel(compiled);
  LiteRtDestroyModel(model);
  LiteRtDestroyEnvironment(env);
  return 0;
}
