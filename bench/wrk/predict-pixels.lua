-- wrk script: POST /v1/predict with {"pixels":[784 values]} bodies made from the first DIGITS images of an MNIST
-- IDX image file (uncompressed), sent round-robin, so every request is a real 28x28 digit the model must classify.
-- MNIST_IMAGES names the file; bench/wrk/run.sh sets it.

local path = os.getenv("MNIST_IMAGES")
local digits = tonumber(os.getenv("DIGITS") or "1000")
local bodies, next_body = {}, 1

function init(args)
  local f = assert(io.open(assert(path, "MNIST_IMAGES is not set"), "rb"), "cannot open " .. tostring(path))
  local header = f:read(16)
  assert(header and #header == 16 and header:byte(3) == 8 and header:byte(4) == 3, path .. " is not an IDX image file")
  for i = 1, digits do
    local image = f:read(784)
    if not image or #image < 784 then break end
    local values = {}
    for p = 1, 784 do values[p] = image:byte(p) end
    bodies[#bodies + 1] = '{"pixels":[' .. table.concat(values, ",") .. ']}'
  end
  f:close()
  assert(#bodies > 0, "no images read from " .. path)
  -- threads start at different digits so they do not send the same sequence in step
  next_body = (wrk.thread and tonumber(tostring(wrk.thread):match("%d+")) or 0) % #bodies + 1
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v1/predict", { ["Content-Type"] = "application/json" }, body)
end
