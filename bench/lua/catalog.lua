-- GET one list endpoint as many anonymous clients behind a proxy: a seeded random page per
-- request, each from one of 5,000 client addresses (X-Forwarded-For).
-- Arguments: path page_size pages seed limit. pages 0 means no query string (the bare view);
-- limit caps the requests a thread sends, as a bound besides wrk's -d.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  path = args[1]
  page_size = tonumber(args[2])
  pages = tonumber(args[3])
  limit = tonumber(args[5])
  math.randomseed(tonumber(args[4]) * 1000 + id)
  statuses = {}
  sent = 0
end

function request()
  sent = sent + 1
  local url = path
  if pages > 0 then
    url = string.format("%s?page=%d&page_size=%d", path, math.random(pages), page_size)
  end
  local client = math.random(5000)
  return wrk.format("GET", url, {
    ["Accept"] = "application/json",
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = string.format("10.1.%d.%d", math.floor(client / 250), client % 250 + 1),
  })
end

function response(status, headers, body)
  count_status(status)
  if sent >= limit then
    wrk.thread:stop()
  end
end
