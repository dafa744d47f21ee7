-- The registration rush: each line of the plan file is one learner's single POST
-- (session key, CSRF secret, offering id), dealt round-robin to wrk's threads. A connection
-- whose thread has no learner left waits (delay), and a thread stops once every one of its
-- learners has an answer, so each learner sends exactly one request. Statuses 200 are not
-- learners (see request()).
-- wrk itself runs for its whole -d: each thread writes <marker_dir>/done-<id> when its last
-- answer is in, and the harness then stops wrk with SIGINT. The rate counts from the first
-- thread's start to the last thread's end (window_us), not wrk's -d.
-- Arguments: plan_file threads origin marker_dir
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local function now_us()
  local clock = io.popen("date +%s%6N")
  local value = tonumber(clock:read("*l"))
  clock:close()
  return value
end

function init(args)
  local nthreads = tonumber(args[2])
  origin = args[3]
  marker = args[4] .. "/done-" .. id
  started_us = now_us()
  items = {}
  local index = 0
  for line in io.lines(args[1]) do
    if index % nthreads == id then
      table.insert(items, line)
    end
    index = index + 1
  end
  statuses = {}
  sent = 0
  received = 0
end

function delay()
  if sent >= #items then
    return 600000 -- this connection is done: it waits until the thread stops
  end
  return 0
end

function request()
  if items == nil then -- wrk's main state checks the script before the threads start
    return wrk.format("POST", "/api/v1/enrollments/")
  end
  if not primed then
    -- wrk drops the request of the first request() call in some threads (seen with wrk 4.1:
    -- one learner of 400 never reached the server). The first call is a bare GET instead,
    -- answered 200 if it is sent at all, and not counted as a learner.
    primed = true
    return wrk.format("GET", "/api/bench/bare/", { ["X-Forwarded-Proto"] = "https" })
  end
  if sent >= #items then
    -- A connection the server closed while it waited (gunicorn's keep-alive, 5 s) is opened
    -- again and asked for a request at once, without delay(): a bare GET, not a learner.
    return wrk.format("GET", "/api/bench/bare/", { ["X-Forwarded-Proto"] = "https" })
  end
  sent = sent + 1
  local session, csrf, offering = items[sent]:match("^(%S+) (%S+) (%S+)$")
  return wrk.format("POST", "/api/v1/enrollments/", {
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Origin"] = origin,
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = string.format("10.2.%d.%d", math.floor(sent / 250), sent % 250 + 1),
  }, '{"offering": "' .. offering .. '"}')
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    return -- the bare GET of the first call
  end
  received = received + 1
  if received >= #items then
    finished_us = now_us()
    local file = io.open(marker, "w")
    file:write(started_us, " ", finished_us, "\n")
    file:close()
    wrk.thread:stop()
  end
end
