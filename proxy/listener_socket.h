// Listening sockets: one per listener per worker, all bound with SO_REUSEPORT so the kernel
// spreads connections over the workers.
#pragma once

#include <cstdint>
#include <string>

#include "proxy/api/error.h"

namespace rampart {

Result<int> openListenSocket(const std::string& host, std::uint16_t port, bool reuse_port);

}  // namespace rampart
