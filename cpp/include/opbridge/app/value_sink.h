/* How an opbridge kernel library hands structured values to its caller (the
 * op catalog, decoded custom options, the ABI probe's record) with no text
 * format in between: the caller passes a sink of callbacks and the library
 * calls them in document order, so values arrive typed and nothing is
 * escaped or parsed on either side.
 *
 * A map is begin_map, then for each entry key followed by exactly one value,
 * then end_map. A list is begin_list, its values, end_list. Strings and keys
 * come with their length and no terminator; they are UTF-8 as far as the
 * library knows (a damaged flexbuffer may hold any bytes). bytes_value carries
 * binary data (flexbuffer blobs). Pointers are valid only during the callback.
 * Every callback must be set. A call that fails calls error once, instead of
 * any value callback, and returns nonzero: the sink never holds half a value,
 * and the message comes with its length (messages may quote option bytes,
 * NULs included). */
#ifndef OPBRIDGE_VALUE_SINK_H_
#define OPBRIDGE_VALUE_SINK_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct OpbridgeValueSink {
  void* context; /* passed to every callback */
  void (*null_value)(void* context);
  void (*bool_value)(void* context, int value);
  void (*int_value)(void* context, int64_t value);
  void (*uint_value)(void* context, uint64_t value); /* flexbuffer uints, which may exceed INT64_MAX */
  void (*double_value)(void* context, double value); /* may be NaN or infinite */
  void (*string_value)(void* context, const char* data, size_t size);
  void (*bytes_value)(void* context, const void* data, size_t size);
  void (*begin_list)(void* context);
  void (*end_list)(void* context);
  void (*begin_map)(void* context);
  void (*key)(void* context, const char* data, size_t size);
  void (*end_map)(void* context);
  void (*error)(void* context, const char* message, size_t size);
} OpbridgeValueSink;

#ifdef __cplusplus
}
#endif

#endif /* OPBRIDGE_VALUE_SINK_H_ */
