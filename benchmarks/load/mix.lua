-- Real traffic for wrk: `wrk -s mix.lua URL -- <serials file> <api key> [exponent]`.
-- Every request picks a label by Zipf's law (exponent s, default 1.1) over all the labels in the
-- file: the label of rank r is asked for in proportion to r^-s, so a few labels are scanned
-- often and most of them seldom (the long tail of QR scans). Ranks are dealt to the labels in a
-- fixed shuffled order, so popular labels lie all over the table. Of the requests, 60 % ask for
-- the public page, 30 % for the API lookup (with the key) and 10 % for the badge.
local serials, cdf, api_headers = {}, {}, {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then serials[#serials + 1] = line end
  end
  api_headers["X-API-Key"] = args[2]
  local exponent = tonumber(args[3] or "1.1")
  local total = 0
  for rank = 1, #serials do
    total = total + rank ^ -exponent
    cdf[rank] = total
  end
  for rank = 1, #serials do cdf[rank] = cdf[rank] / total end
  math.randomseed(20261207) -- the same ranks for every thread and every run
  for i = #serials, 2, -1 do
    local j = math.random(i)
    serials[i], serials[j] = serials[j], serials[i]
  end
  math.randomseed(os.time() * 1000 + (id or 0))
end

local function pick()
  local u, low, high = math.random(), 1, #cdf
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cdf[middle] < u then low = middle + 1 else high = middle end
  end
  return serials[low]
end

function request()
  local serial, kind = pick(), math.random()
  if kind < 0.6 then return wrk.format("GET", "/labels/" .. serial .. "/") end
  if kind < 0.9 then return wrk.format("GET", "/api/v1/labels/" .. serial .. "/", api_headers) end
  return wrk.format("GET", "/api/v1/labels/" .. serial .. "/badge.svg", api_headers)
end
