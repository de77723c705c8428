-- GET requests for wrk: `wrk -s get.lua URL -- <path pattern> [keys file] [api key] [header]`.
-- The pattern's %s is replaced by a key drawn at random from the keys file (one per line), so
-- the load spreads over many labels rather than hitting one row that stays in every cache.
-- "{nonce}" in the pattern is replaced by a random number on every request.
local pattern, keys, api_key = "/", {}, nil
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  pattern = args[1] or "/"
  if args[2] and args[2] ~= "" and args[2] ~= "-" then
    for line in io.lines(args[2]) do
      if #line > 0 then keys[#keys + 1] = line end
    end
  end
  if args[3] and args[3] ~= "" then api_key = args[3] end
  math.randomseed(os.time() * 1000 + (id or 0))
  if api_key then wrk.headers["X-API-Key"] = api_key end
  -- args[4]: one more header, "Name: value"
  if args[4] and args[4] ~= "" then
    local name, value = args[4]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end

function request()
  local path = pattern
  if #keys > 0 then path = string.format(pattern, keys[math.random(#keys)]) end
  -- "{nonce}" becomes a random number: a query no answer was cached for (the miss path).
  path = path:gsub("{nonce}", function() return tostring(math.random(1, 2000000000)) end)
  return wrk.format("GET", path)
end
