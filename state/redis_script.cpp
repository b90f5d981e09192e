#include "state/redis_script.h"

#include <openssl/evp.h>

namespace rampart::state {
namespace {

constexpr std::string_view kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local want = tonumber(ARGV[5]) or 1
if ARGV[1] == 'g' then
  local burst = tonumber(ARGV[4])
  local interval = math.max(1, math.ceil(window / limit))
  local tolerance = interval * burst
  local tat = tonumber(redis.call('GET', KEYS[1]))
  if tat == nil or tat < now then tat = now end
  if tat > now + tolerance then tat = now + tolerance end
  local fit = math.floor((now + tolerance - tat) / interval)
  if fit >= 1 then
    local granted = math.min(want, fit)
    local new_tat = tat + granted * interval
    redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX',
               math.floor((new_tat - now) / 1000) + 1)
    local count = math.ceil((new_tat - now) / interval)
    return {1, count, math.max(0, burst - count), 0, new_tat - now, granted}
  end
  return {0, burst, 0, tat + interval - now - tolerance, tat - now, 0}
end
local index = math.floor(now / window)
local v = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w = tonumber(v[1])
local c = tonumber(v[2]) or 0
local p = tonumber(v[3]) or 0
if w == nil then
  w = index; c = 0; p = 0
elseif index > w then
  if index == w + 1 then p = c else p = 0 end
  c = 0; w = index
end
local elapsed = now - w * window
if elapsed < 0 then elapsed = 0 elseif elapsed > window then elapsed = window end
local scaled = p * (window - elapsed) + c * window
local room = math.floor((limit * window - scaled) / window)
if room >= 1 then
  local granted = math.min(want, room)
  c = c + granted
  redis.call('HSET', KEYS[1], 'w', string.format('%d', w), 'c', c, 'p', p)
  redis.call('PEXPIRE', KEYS[1], math.floor(((w + 2) * window - now) / 1000) + 1)
  local count = math.ceil((scaled + granted * window) / window)
  return {1, count, math.max(0, limit - count), 0, window - elapsed, granted}
end
local function fits(previous, current)
  if previous == 0 then return 0 end
  local left = math.floor((limit - current - 1) * window / previous)
  if left > window then left = window end
  return window - left
end
local retry
if c + 1 <= limit then
  retry = fits(p, c) - elapsed
else
  retry = (window - elapsed) + fits(c, 0)
end
if retry < 1 then retry = 1 end
return {0, math.ceil(scaled / window), 0, retry, math.max(retry, window - elapsed), 0}
)lua";

std::string sha1Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), md, &length, EVP_sha1(), nullptr) != 1) return {};
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string_view rateLimitScript() { return kScript; }

const std::string& rateLimitScriptSha1() {
  static const std::string sha = sha1Hex(kScript);
  return sha;
}

}  // namespace rampart::state
