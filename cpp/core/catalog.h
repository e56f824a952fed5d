// JSON description of the ops registered in this library (name, origin, doc,
// inputs, outputs, attrs) plus any registration errors.
#pragma once

#include <string>

#include "opbridge/op.h"

namespace opbridge {

std::string CatalogJson();

}  // namespace opbridge
