-- POST a batch lookup for wrk: `wrk -s batch.lua URL -- <keys file> <api key> [size] [path]`.
-- Each request asks for `size` (default 100) serials drawn at random from the keys file.
local keys, size, path = {}, 100, "/api/v1/labels/batch/"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  wrk.headers["X-API-Key"] = args[2]
  wrk.headers["Content-Type"] = "application/json"
  if args[3] then size = tonumber(args[3]) end
  if args[4] then path = args[4] end
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local parts = {}
  for i = 1, size do
    parts[i] = '{"serial":"' .. keys[math.random(#keys)] .. '"}'
  end
  return wrk.format("POST", path, nil,
                    '{"keys":[' .. table.concat(parts, ",") .. ']}')
end
