-- Shared by the bench's wrk scripts: thread ids, status counts, and one JSON line at the end.
-- wrk runs setup() and done() in its main Lua state and the rest in one state per thread; the
-- thread objects kept in `threads` let done() read each thread's counters.

threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(key), encode(item)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "number" then
    return string.format("%.17g", value)
  end
  return string.format("%q", tostring(value))
end

function done(summary, latency, requests)
  local counts = {}
  local first, last = nil, nil
  for _, thread in ipairs(threads) do
    local started, finished = thread:get("started_us"), thread:get("finished_us")
    if started and (first == nil or started < first) then first = started end
    if finished and (last == nil or finished > last) then last = finished end
    for code, n in pairs(thread:get("statuses") or {}) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
  end
  local out = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = summary.errors,
    statuses = counts,
    window_us = (first and last) and (last - first) or 0,
    latency_us = {
      min = latency.min,
      max = latency.max,
      mean = latency.mean,
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p95 = latency:percentile(95),
      p99 = latency:percentile(99),
    },
  }
  io.write("BENCH-JSON " .. encode(out) .. "\n")
end
