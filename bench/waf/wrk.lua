-- bench/waf/wrk.lua: one fixed request per run, for bench/waf.sh.
--   BENCH_METHOD   GET (default) or POST
--   BENCH_HEADERS  a file of "Name: value" lines (Host included), sent as they are
--   BENCH_BODY     a file sent as the body (wrk adds Content-Length)
-- Counts responses by status code and prints "statuses: 200=N 403=M" after wrk's summary.
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local headers = os.getenv("BENCH_HEADERS")
if headers and headers ~= "" then
  for line in io.lines(headers) do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then wrk.headers[name] = value end
  end
end
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then wrk.body = slurp(body) end

local threads = {}
function setup(thread) table.insert(threads, thread) end

statuses = {}
function response(status, hdrs, b)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, keys, parts = {}, {}, {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code in pairs(total) do table.insert(keys, code) end
  table.sort(keys)
  for _, code in ipairs(keys) do table.insert(parts, code .. "=" .. total[code]) end
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
