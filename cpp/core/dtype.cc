#include "opbridge/dtype.h"

#include <cstring>

namespace opbridge {
namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;     // TF op-definition spelling
  const char* tf_enum;  // TF's DataType enum spelling
  int size;
};

constexpr DTypeInfo kInfos[] = {
    {DType::kFloat32, "float", "DT_FLOAT", 4},       {DType::kFloat64, "double", "DT_DOUBLE", 8},
    {DType::kFloat16, "half", "DT_HALF", 2},         {DType::kBFloat16, "bfloat16", "DT_BFLOAT16", 2},
    {DType::kInt8, "int8", "DT_INT8", 1},            {DType::kInt16, "int16", "DT_INT16", 2},
    {DType::kInt32, "int32", "DT_INT32", 4},         {DType::kInt64, "int64", "DT_INT64", 8},
    {DType::kUInt8, "uint8", "DT_UINT8", 1},         {DType::kUInt16, "uint16", "DT_UINT16", 2},
    {DType::kUInt32, "uint32", "DT_UINT32", 4},      {DType::kUInt64, "uint64", "DT_UINT64", 8},
    {DType::kBool, "bool", "DT_BOOL", 1},            {DType::kString, "string", "DT_STRING", 0},
    {DType::kComplex64, "complex64", "DT_COMPLEX64", 8},
    {DType::kComplex128, "complex128", "DT_COMPLEX128", 16},
    {DType::kResource, "resource", "DT_RESOURCE", 0},
};

}  // namespace

const char* DTypeName(DType dtype) {
  for (const auto& info : kInfos) {
    if (info.dtype == dtype) return info.name;
  }
  return "invalid";
}

DType DTypeFromName(const std::string& name) {
  for (const auto& info : kInfos) {
    if (name == info.name || name == info.tf_enum) return info.dtype;
  }
  return DType::kInvalid;
}

int DTypeSize(DType dtype) {
  for (const auto& info : kInfos) {
    if (info.dtype == dtype) return info.size;
  }
  return 0;
}

std::string BuiltDTypeNames() {
  if (kBuiltDTypeMask == ~uint32_t{0}) return "every dtype";
  std::string names;
  for (const auto& info : kInfos) {
    if (IsBuilt(info.dtype)) names += std::string(names.empty() ? "" : ", ") + info.name;
  }
  return names.empty() ? "no dtype" : names;
}

Status NoKernelForDType(DType dtype) {
  if (!IsBuilt(dtype)) {
    return Errorf("no kernel for dtype ", DTypeName(dtype), ": this selective build of opbridge has kernels for ",
                  BuiltDTypeNames(), " only");
  }
  return Errorf("no kernel for dtype ", DTypeName(dtype));
}

}  // namespace opbridge
