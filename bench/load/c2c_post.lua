-- wrk script of bench/load/click_to_call.sh: POST /api/v1/me/calls, one
-- click-to-call per request, at a paced rate.
--
-- Environment (read once per wrk thread):
--   C2C_TOKENS    bearer tokens, comma-separated; request n uses token
--                 n mod count, so the calls spread evenly over the users
--                 (each may have [calls] max_per_user calls at once)
--   C2C_TO        a fixed "to" for every request (e.g. "911": refused with
--                 403 before any call is planned); else the "2NN"
--                 extensions below
--   C2C_TO_FIRST  first extension dialled (200); the demo's Office dial plan
--                 makes "2NN" +142555502NN, a callee for c2c_pbx_uas.xml
--   C2C_TO_COUNT  extensions dialled in turn (100: 200..299)
--   C2C_RATE      requests per second (per wrk thread): each request waits
--                 for the next free slot of a 1/C2C_RATE s schedule, so the
--                 rate holds while responses slow down, as long as the
--                 connections outnumber the requests in flight (rate x
--                 response time); a connection only ever has one in flight
--   C2C_DELAY_MS  without C2C_RATE: fixed pause of each connection between
--                 a response and its next request
--
-- done() prints one line the calling script reads:
--   c2c: responses=N status_201=N status_other=N (403=.. 409=..) errors=N
--        latency_p50_us=.. latency_p99_us=.. latency_max_us=..

local tokens = {}
for token in string.gmatch(os.getenv("C2C_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local fixed_to = os.getenv("C2C_TO")
if fixed_to == "" then fixed_to = nil end
local to_first = tonumber(os.getenv("C2C_TO_FIRST") or "200")
local to_count = tonumber(os.getenv("C2C_TO_COUNT") or "100")
local delay_ms = tonumber(os.getenv("C2C_DELAY_MS") or "0")
local rate = tonumber(os.getenv("C2C_RATE") or "0")

-- wrk's Lua has no wall clock finer than a second: CLOCK_MONOTONIC via
-- LuaJIT's FFI, in milliseconds.
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } c2c_timespec;
  int clock_gettime(int clock_id, c2c_timespec *tp);
]]
local ts = ffi.new("c2c_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local next_slot = nil

-- Per thread (each wrk thread runs its own copy of this script).
sent = 0
responses = 0
statuses = {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  if #tokens == 0 then
    io.stderr:write("c2c_post.lua: C2C_TOKENS is empty\n")
    os.exit(2)
  end
end

function request()
  sent = sent + 1
  local token = tokens[(sent - 1) % #tokens + 1]
  local to = fixed_to or tostring(to_first + (sent - 1) % to_count)
  return wrk.format("POST", "/api/v1/me/calls",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
    '{"to":"' .. to .. '"}')
end

function delay()
  if rate <= 0 then return delay_ms end
  -- The next slot of the schedule; a slot already past (the connection
  -- came back late) is taken at once, and the schedule does not try to
  -- catch up more than one slot at a time.
  local now = now_ms()
  if next_slot == nil or next_slot < now - 1000 / rate then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + 1000 / rate
  local wait = slot - now
  if wait < 0 then wait = 0 end
  return math.floor(wait + 0.5)
end

function response(status, headers, body)
  responses = responses + 1
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, created, other = 0, 0, 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for status, n in pairs(s) do
      total = total + n
      by_status[status] = (by_status[status] or 0) + n
      if status == 201 then created = created + n else other = other + n end
    end
  end
  local detail = {}
  for status, n in pairs(by_status) do
    if status ~= 201 then detail[#detail + 1] = status .. "=" .. n end
  end
  table.sort(detail)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "c2c: responses=%d status_201=%d status_other=%d (%s) errors=%d (timeout=%d) " ..
    "latency_p50_us=%d latency_p99_us=%d latency_max_us=%d\n",
    total, created, other, table.concat(detail, " "), errors, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
