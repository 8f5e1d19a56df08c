package redisstore

import "github.com/redis/go-redis/v9"

// tokenScript is every step of the token cache on the one hash of a
// session (all its generations). ARGV[1..9]: step, now (s, ns), context
// id, pending timeout (s, ns), rollover (s, ns), TTL grace (ms); then the
// step's own arguments. The result is {code, dropped, unpended, ...}.
var tokenScript = redis.NewScript(luaPrelude + `
local K = KEYS[1]
local op, ns, nn, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local ps, pn, rs, rn, grace = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local maxOld = 3
local h = load(K)
local dropped, unpended = 0, 0

local function set(f, v) h[f] = v; redis.call('HSET', K, f, v) end
local function del(f) h[f] = nil; redis.call('HDEL', K, f) end
local function olds()
  local a = {}
  for i = 1, tonumber(h.no or '0') do a[i] = h['o' .. i] end
  return a
end
local function setOlds(a)
  for i = 1, maxOld do
    if a[i] then set('o' .. i, a[i]) elseif h['o' .. i] then del('o' .. i) end
  end
  set('no', tostring(#a))
end
local function exp(g) return tonumber(h['es:' .. g]), tonumber(h['en:' .. g]) end
local function alive(g) local s, n = exp(g); return not tge(ns, nn, s, n) end
local function writeGen(g, blob, es, en, xs, xn)
  set('v:' .. g, blob); set('es:' .. g, fmt(es)); set('en:' .. g, fmt(en)); set('xs:' .. g, fmt(xs)); set('xn:' .. g, fmt(xn))
end
local function delGen(g) for _, p in ipairs({'v:', 'es:', 'en:', 'xs:', 'xn:'}) do del(p .. g) end end
local function dropAll() redis.call('DEL', K); h = nil; dropped = 1 end
local function pendingDeadline() return tadd(tonumber(h.is_s), tonumber(h.is_n), ps, pn) end
local function pendExpired()
  if h.pend ~= '1' then return false end
  local s, n = pendingDeadline()
  return tge(ns, nn, s, n)
end
-- expire drops the expired generations, and the session when nothing is
-- left or it stayed pending too long; it reports whether it is gone.
local function expire()
  if pendExpired() then dropAll(); return true end
  if h.hc == '1' and not alive(h.cur) then delGen(h.cur); set('hc', '0'); del('cur') end
  local kept = {}
  for _, g in ipairs(olds()) do
    if alive(g) then kept[#kept + 1] = g else delGen(g) end
  end
  setOlds(kept)
  if h.hc ~= '1' and #kept == 0 then dropAll(); return true end
  return false
end
local function find(g)
  if h.hc == '1' and h.cur == g then return true end
  for _, o in ipairs(olds()) do if o == g then return true end end
  return false
end
-- deadline returns when the session ends at the latest (Unix ms) and its
-- remaining time (ms), the pending timeout included.
local function deadline()
  local bs, bn = nil, nil
  local function consider(g)
    local s, n = exp(g)
    if bs == nil or not tge(bs, bn, s, n) then bs, bn = s, n end
  end
  if h.hc == '1' then consider(h.cur) end
  for _, g in ipairs(olds()) do consider(g) end
  if bs == nil then bs, bn = ns, nn end
  if h.pend == '1' then
    local s, n = pendingDeadline()
    if tge(bs, bn, s, n) then bs, bn = s, n end
  end
  return bs * 1000 + math.floor(bn / 1e6), tms(bs, bn, ns, nn)
end
local function ttl()
  if not h then return end
  local _, left = deadline()
  if left < 1 then left = 1 end
  redis.call('PEXPIRE', K, left + grace)
end
local function putGen(g, blob, xs, xn)
  if h.hc == '1' and h.cur == g then writeGen(g, blob, xs, xn, xs, xn); return end
  local os = olds()
  for _, o in ipairs(os) do
    if o == g then
      -- A replaced generation put again keeps its rollover deadline.
      local es, en = exp(g)
      if tge(es, en, xs, xn) then es, en = xs, xn end
      writeGen(g, blob, es, en, xs, xn)
      return
    end
  end
  if h.hc == '1' then
    local c = h.cur
    local es, en = exp(c)
    local ds, dn = tadd(ns, nn, rs, rn)
    if tge(es, en, ds, dn) then es, en = ds, dn end
    if tge(ns, nn, es, en) then
      delGen(c)
    else
      set('es:' .. c, fmt(es)); set('en:' .. c, fmt(en))
      if #os == maxOld then delGen(os[1]); table.remove(os, 1) end
      os[#os + 1] = c
      setOlds(os)
    end
  end
  set('cur', g); set('hc', '1')
  writeGen(g, blob, xs, xn, xs, xn)
end

if op == 'status' then
  if not h or expire() then return {'gone', dropped, 0} end
  local d = deadline()
  return {'live', 0, 0, tonumber(h.pend), d}
end
if op == 'removeall' then
  if not h or h.id ~= id then return {'notfound', 0, 0} end
  dropAll()
  return {'ok', dropped, 0}
end
if not h or h.id ~= id then
  if op == 'put' then h = {} else return {'notfound', 0, 0} end
elseif op ~= 'remove' and op ~= 'put' and pendExpired() then
  dropAll()
  return {'notfound', dropped, 0}
end
if op == 'get' then
  local g = nil
  if ARGV[12] == '1' then
    if h.hc == '1' then g = h.cur end
  elseif find(ARGV[10]) then
    g = ARGV[10]
  end
  if g == nil then return {'notfound', 0, 0} end
  if not alive(g) then
    local code = 'notfound'
    if tge(ns, nn, tonumber(h['xs:' .. g]), tonumber(h['xn:' .. g])) then code = 'expired' end
    expire()
    ttl()
    return {code, dropped, 0}
  end
  if ARGV[11] == '1' and h.pend == '1' then set('pend', '0'); unpended = 1; ttl() end
  return {'ok', dropped, unpended, h['v:' .. g]}
end
if op == 'put' then
  local g, blob, xs, xn = ARGV[10], ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])
  if h.id and expire() then h = {} end
  if h.id then
    putGen(g, blob, xs, xn)
    ttl()
    return {'ok', dropped, 0}
  end
  if ARGV[14] ~= 'create' then return {'new', dropped, 0} end
  h = {}
  set('id', id); set('pend', '1'); set('is_s', fmt(ns)); set('is_n', fmt(nn)); set('hc', '1'); set('cur', g); set('no', '0')
  writeGen(g, blob, xs, xn, xs, xn)
  ttl()
  return {'created', dropped, 0}
end
if op == 'remove' then
  local g = ARGV[10]
  if not find(g) then return {'notfound', 0, 0} end
  if h.hc == '1' and h.cur == g then
    delGen(g); set('hc', '0'); del('cur')
  else
    local kept = {}
    for _, o in ipairs(olds()) do if o ~= g then kept[#kept + 1] = o end end
    delGen(g)
    setOlds(kept)
  end
  if h.hc ~= '1' and tonumber(h.no) == 0 then dropAll() end
  return {'ok', dropped, 0}
end
return redis.error_reply('redisstore: unknown step ' .. op)
`)
