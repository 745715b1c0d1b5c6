-- One benchmark case for wrk (https://github.com/wg/wrk/blob/master/SCRIPTING).
-- benchmarks/load.py passes the request through the environment:
--   BENCH_METHOD, BENCH_BODY (may hold @VALUE@), BENCH_AUTHORIZATION,
--   BENCH_MODE: "static" (one request), "values" (@VALUE@ from BENCH_VALUES_FILE,
--   each line used once, split between the BENCH_THREADS threads) or "unique"
--   (@VALUE@ = BENCH_TAG .. thread id .. counter, a unique name).
-- Every response is checked: a non-2xx status or a body with a non-empty
-- "errors" list (GraphQL's top level, or a mutation payload's) is counted.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function values_of_thread(path, thread_id, thread_count)
  local values = {}
  local line_number = 0
  for line in io.lines(path) do
    if line_number % thread_count == thread_id then
      values[#values + 1] = line
    end
    line_number = line_number + 1
  end
  return values
end

function init(args)
  method = os.getenv("BENCH_METHOD")
  mode = os.getenv("BENCH_MODE")
  tag = os.getenv("BENCH_TAG") or "bench"
  body = os.getenv("BENCH_BODY") or ""
  if body == "" then
    body = nil
  end
  request_headers = {}
  if body then
    request_headers["Content-Type"] = "application/json"
  end
  local authorization = os.getenv("BENCH_AUTHORIZATION") or ""
  if authorization ~= "" then
    request_headers["Authorization"] = authorization
  end
  if mode == "values" then
    values = values_of_thread(
      os.getenv("BENCH_VALUES_FILE"), id, tonumber(os.getenv("BENCH_THREADS"))
    )
  elseif mode == "static" then
    static_request = wrk.format(method, nil, request_headers, body)
  end
  sent = 0
  non2xx = 0
  error_bodies = 0
  exhausted = 0
end

function request()
  if mode == "static" then
    return static_request
  end
  sent = sent + 1
  local value
  if mode == "values" then
    value = values[sent]
    if value == nil then
      -- Out of one-use values: the request will fail and be counted.
      exhausted = exhausted + 1
      value = "exhausted"
    end
  else
    value = string.format("%s t%d n%d", tag, id, sent)
  end
  local this_body = body:gsub("@VALUE@", function() return value end)
  return wrk.format(method, nil, request_headers, this_body)
end

function response(status, headers, response_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif response_body and response_body:find('"errors"%s*:%s*%[%s*{') then
    error_bodies = error_bodies + 1
  end
end

function done(summary, latency, requests)
  local totals = { non2xx = 0, error_bodies = 0, exhausted = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "non2xx": %d, "error_bodies": %d, '
      .. '"exhausted": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, totals.non2xx, totals.error_bodies,
    totals.exhausted, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
