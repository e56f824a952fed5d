"""The benchmark harness: each op's TFLite kernel against TF's kernel, timed in the
same run (`opbridge bench`, `make bench`). Cases live in `cases/`, one module per
op family; `runner` times them and prints the tables."""
