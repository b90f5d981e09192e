#include "proxy/listener_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/config_snapshot.h"

namespace rampart {

Result<int> openListenSocket(const std::string& host, std::uint16_t port, bool reuse_port) {
  auto address = resolveAddress(host, port);
  if (!address) return address.error();
  int fd = ::socket(address->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](const char* what) {
    std::string detail = std::string(what) + " " + address->text + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Error{ErrorSource::Config, 0, "listen_failed", false, detail};
  };
  if (fd < 0) return fail("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
    return fail("SO_REUSEPORT");
  if (address->storage.ss_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0)
    return fail("bind");
  if (::listen(fd, 4096) != 0) return fail("listen");
  return fd;
}

}  // namespace rampart
