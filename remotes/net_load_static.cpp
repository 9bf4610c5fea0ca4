// Unit tests and fuzz targets: the backends are linked in.
#include "net_backends.h"

namespace pipeline {

const NetBackends& net_backends() { return *pipe_net_backends(); }

}  // namespace pipeline
