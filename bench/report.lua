-- Prints wrk's figures as one JSON line after the run, for bench/run.py.
-- Latencies are in microseconds. "unexpected" counts responses other than
-- 2xx (or, for the sign-in POST, other than its 302 to the dashboard), so a
-- page that quietly redirected to the sign-in page would show up as errors.
-- "set_cookie" counts responses carrying Set-Cookie: wrk sends the cookies a
-- browser would hold after opening the page once (bench/client.py), so each
-- is a cookie the portal re-signs on every request.

local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  set_cookie = 0
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
  if headers["Set-Cookie"] or headers["set-cookie"] then
    set_cookie = set_cookie + 1
  end
end

function done(summary, latency, requests)
  local total_unexpected, total_set_cookie = 0, 0
  for _, thread in ipairs(threads) do
    total_unexpected = total_unexpected + thread:get("unexpected")
    total_set_cookie = total_set_cookie + thread:get("set_cookie")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_4xx_5xx": %d, "unexpected": %d, ' ..
    '"set_cookie": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, total_unexpected, total_set_cookie))
end
