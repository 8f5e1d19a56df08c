package redisstore

// luaPrelude holds the helpers every script of the sequence store and the
// token cache shares. Times are pairs of Unix seconds and nanoseconds
// (Lua numbers are doubles: exact for each part, not for nanoseconds
// since 1970), durations the same.
const luaPrelude = `
local function tge(as, an, bs, bn) return as > bs or (as == bs and an >= bn) end
local function tadd(as, an, ds, dn)
  local s, n = as + ds, an + dn
  if n >= 1e9 then s = s + 1; n = n - 1e9 end
  return s, n
end
local function fmt(x) return string.format('%.0f', x) end
-- tms returns the milliseconds from (bs, bn) to (as, an).
local function tms(as, an, bs, bn) return (as - bs) * 1000 + math.floor((an - bn) / 1e6) end
local function load(k)
  local a = redis.call('HGETALL', k)
  if #a == 0 then return nil end
  local h = {}
  for i = 1, #a, 2 do h[a[i]] = a[i + 1] end
  return h
end
local function save(k, h)
  local a = {}
  for f, v in pairs(h) do a[#a + 1] = f; a[#a + 1] = v end
  redis.call('HSET', k, unpack(a))
end
`
