-- Fills the label API's answer cache before a measurement:
-- `wrk -s warm.lua URL -- <path pattern> <keys file> <api key or ""> [first key]`. Unlike get.lua
-- it walks the keys in order from the given one, so runs adding up to as many requests as keys
-- ask for every key once.
local pattern, keys, api_key, next_key = "/", {}, nil, 0

function init(args)
  pattern = args[1]
  for line in io.lines(args[2]) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  if args[3] and args[3] ~= "" then api_key = args[3] end
  if api_key then wrk.headers["X-API-Key"] = api_key end
  next_key = tonumber(args[4] or "0") % #keys
end

function request()
  next_key = next_key % #keys + 1
  return wrk.format("GET", string.format(pattern, keys[next_key]))
end
