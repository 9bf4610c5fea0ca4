// The entry point of the backends' module (and of the static build of it).
#include "backends.h"
#include "net_backends.h"

extern "C" const pipeline::NetBackends* pipe_net_backends() {
  static const pipeline::NetBackends table{pipeline::kNetBackendsVersion, PIPE_NET_ABI, pipeline::make_http_remote,
                                           pipeline::make_s3_remote};
  return &table;
}
