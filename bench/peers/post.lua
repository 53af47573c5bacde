-- wrk script for bench/run's HTTP job: every request POSTs the same
-- multipart/form-data body (a photo as part `photo`, and `format=jpeg`),
-- prepared once by bench/inputs.py, to the URL given to wrk
-- (http://127.0.0.1:PORT/v1/render/frame-ring).
--
-- Environment: KHUNG_BENCH_BODY (the body file) and KHUNG_BENCH_BOUNDARY
-- (its boundary). wrk adds Content-Length itself.
--
-- At the end it prints one machine-readable line, after wrk's own report:
--   KHUNG_BENCH_RESULT requests=... duration_us=... p50_us=... p99_us=... ...
-- where status_errors counts answers with a status over 399, and connect,
-- read, write and timeout are socket errors.

local body_path = assert(os.getenv("KHUNG_BENCH_BODY"), "KHUNG_BENCH_BODY is not set")
local boundary = assert(os.getenv("KHUNG_BENCH_BOUNDARY"), "KHUNG_BENCH_BOUNDARY is not set")
local f = assert(io.open(body_path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "KHUNG_BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d " ..
    "mean_us=%.0f max_us=%d status_errors=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
