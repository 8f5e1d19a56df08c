package redisstore

import "github.com/redis/go-redis/v9"

// seqScript is every step of the sequence store: one script, dispatched
// on ARGV[1], run on the five keys of one name (the state of the sequence
// of that identifier, its buffered messages, cached replies and reply
// order, and the pointer to the sequence that offered that name), so each
// call is atomic on its sequence. ARGV[2..7]: now (s, ns), owner digest,
// the sequence's byte bound, its cached-reply bound, the TTL grace (ms);
// ARGV[8]: the sequence id (the name); then the step's own arguments. The
// result is {code, dropped, unpended, ranges, bufferRemaining, final,
// pointerTTL, offer, offerAt, ...}: pointerTTL (ms, 0 for none) asks the
// caller to extend the TTL of the pointer of the sequence's offer, and
// offer and offerAt name that pointer (also when the sequence was
// dropped, for the caller to delete it).
var seqScript = redis.NewScript(luaPrelude + `
local KS, KB, KR, KO, KN = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, ns, nn, od = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local maxBytes, maxReplies, grace, id = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local dropped, unpended, refresh, goneOff, goneAt = 0, 0, 0, '', ''
local nowMs = ns * 1000 + math.floor(nn / 1e6)
local NUM = {'win', 'ds', 'dn', 'es', 'en', 'cs', 'cn', 'as', 'an', 'pend', 'nx', 'cl', 'cid', 'us', 'un',
  'last', 'clo', 'term', 'nb', 'bb', 'by', 'rn', 'pe'}

local function parseRanges(s)
  local r = {}
  if s then for lo, hi in string.gmatch(s, '(%d+)-(%d+)') do r[#r + 1] = {tonumber(lo), tonumber(hi)} end end
  return r
end
local function fmtRanges(r)
  local a = {}
  for i, x in ipairs(r) do a[i] = fmt(x[1]) .. '-' .. fmt(x[2]) end
  return table.concat(a, ',')
end
local function contains(r, n)
  for _, x in ipairs(r) do if n >= x[1] and n <= x[2] then return true end end
  return false
end
-- covers reports whether merged ranges a hold every number of b.
local function covers(a, b)
  for _, y in ipairs(b) do
    local ok = false
    for _, x in ipairs(a) do if x[1] <= y[1] and y[2] <= x[2] then ok = true; break end end
    if not ok then return false end
  end
  return true
end
local function radd(r, n)
  if contains(r, n) then return r end
  r[#r + 1] = {n, n}
  table.sort(r, function(a, b) return a[1] < b[1] end)
  local out = {}
  for _, x in ipairs(r) do
    local l = out[#out]
    if l and x[1] <= l[2] + 1 then
      if x[2] > l[2] then l[2] = x[2] end
    else
      out[#out + 1] = {x[1], x[2]}
    end
  end
  return out
end

local q = load(KS)
local function parse()
  for _, f in ipairs(NUM) do q[f] = tonumber(q[f]) or 0 end
  q.r = parseRanges(q.rg)
  q.ra = q.ra or ''
  q.off = q.off or ''
end
local function store()
  local a = {}
  local ms = q.ds * 1000 + math.floor(q.dn / 1e6)
  local e = tms(q.es, q.en, ns, nn)
  if e < ms then ms = e end
  if ms < 1 then ms = 1 end
  -- The offer's pointer outlives the sequence by an inactivity timeout:
  -- it is extended once that margin is used up.
  if q.off ~= '' and q.pe < nowMs + ms + grace then
    q.pe = nowMs + ms + grace + q.ds * 1000 + math.floor(q.dn / 1e6)
    refresh = q.pe - nowMs
  end
  for _, f in ipairs(NUM) do a[#a + 1] = f; a[#a + 1] = fmt(q[f]) end
  a[#a + 1] = 'rg'; a[#a + 1] = fmtRanges(q.r)
  a[#a + 1] = 'ra'; a[#a + 1] = q.ra
  redis.call('HSET', KS, unpack(a))
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms + grace) end
end
local function expired()
  if tge(ns, nn, q.es, q.en) then return true end
  local s, n = tadd(q.as, q.an, q.ds, q.dn)
  return tge(ns, nn, s, n)
end
local function drop()
  if q and q.off then goneOff, goneAt = q.off, q.pat or '' end
  redis.call('DEL', KS, KB, KR, KO); dropped = 1
end
local function res(code, ...)
  if not q or not q.r then return {code, dropped, unpended, '', 0, 0, 0, goneOff, goneAt, ...} end
  local br = q.win - q.nb
  if br < 0 then br = 0 end
  local off, at = goneOff, goneAt
  if refresh > 0 then off, at = q.off, q.pat end
  return {code, dropped, unpended, fmtRanges(q.r), br, q.clo, refresh, off, at, ...}
end
-- find returns whether sequence id is live, dropping it when expired.
local function find()
  if not q or q.st ~= 'l' or q.id ~= id then q = nil; return false end
  parse()
  if expired() then drop(); q = nil; return false end
  return true
end
local function received()
  local r = 0
  if #q.r > 0 then r = q.r[#q.r][2] end
  if q.cl == 1 and q.nx > r then r = q.nx end
  return r
end
local function claimLive() return q.cl == 1 and not tge(ns, nn, q.us, q.un) end
local function grant(us, un)
  q.cid = q.cid + 1; q.cl = 1; q.us = us; q.un = un
  return q.cid
end
-- The reply order KO lists the cached replies oldest first as
-- 'request:reply' (their request's number, the key in KR, and their
-- reply number).
local function forgetReply(e)
  local k = string.match(e, '^(%d+)') or e
  local r = redis.call('HGET', KR, k)
  if r then q.by = q.by - #r; redis.call('HDEL', KR, k) end
end
local function evictReply()
  local e = redis.call('LPOP', KO)
  if not e then return false end
  forgetReply(e)
  return true
end
-- dropAcked forgets the cached replies whose reply numbers ranges r
-- acknowledge: the client has them and will not ask again, and keeping
-- them would push out the replies it still needs.
local function dropAcked(r)
  if #r == 0 then return end
  for _, e in ipairs(redis.call('LRANGE', KO, 0, -1)) do
    local rn = tonumber(string.match(e, ':(%d+)$'))
    if rn and contains(r, rn) then
      forgetReply(e)
      redis.call('LREM', KO, 1, e)
    end
  end
end
local function room(n)
  if n > maxBytes then return false end
  while q.by + n > maxBytes do
    if not evictReply() then return false end
  end
  q.by = q.by + n
  return true
end
-- claimBuffered claims the next message when it is buffered; its last
-- result is 1 for a redelivery (the number's earlier claim was never
-- completed).
local function claimBuffered(us, un)
  local m = redis.call('HGET', KB, fmt(q.nx))
  if not m then return 0, 0, 0, '', 0, 0, 0 end
  local re = q.cl
  return 1, q.nx, tonumber(string.sub(m, 1, 1)), string.sub(m, 2), grant(us, un), q.rn + 1, re
end

if op == 'status' then
  if not q or q.st ~= 'l' then return {'gone'} end
  parse()
  if expired() then drop(); return {'gone'} end
  local s, n = tadd(q.as, q.an, q.ds, q.dn)
  if tge(s, n, q.es, q.en) then s, n = q.es, q.en end
  return {'live', q.pend, s * 1000 + math.floor(n / 1e6)}
end
-- The pointer steps run on the keys of the offered name ARGV[8]; the
-- pointer is {id, at}: the sequence that offered the name, and when (ms).
if op == 'byoffer' then
  local p = load(KN)
  q = nil
  if not p then return res('unknown') end
  return res('ok', p.id, p.at)
end
if op == 'unpoint' then
  local p = load(KN)
  q = nil
  if p and p.id == ARGV[9] and (ARGV[10] == '' or p.at == ARGV[10]) then redis.call('DEL', KN) end
  return res('ok')
end
if op == 'pointttl' then
  local p = load(KN)
  q = nil
  if p and p.id == ARGV[9] and p.at == ARGV[11] then redis.call('PEXPIRE', KN, tonumber(ARGV[10])) end
  return res('ok')
end
if op == 'point' or op == 'create' then
  if q and q.st == 'l' then
    parse()
    if not expired() then return res('exists') end
    drop()
  end
  q = nil
  local p = load(KN)
  if p then return res('offered', p.id, p.at) end
end
if op == 'point' then
  redis.call('HSET', KN, 'id', ARGV[9], 'at', ARGV[10])
  redis.call('PEXPIRE', KN, tonumber(ARGV[11]))
  return res('ok')
end
if op == 'create' then
  if ARGV[20] == 'check' then return res('free') end
  redis.call('HSET', KS, 'st', 'l', 'id', id, 'od', ARGV[9], 'oc', ARGV[10], 'ok', ARGV[11], 'ver', ARGV[12],
    'at', ARGV[13], 'off', ARGV[14], 'pat', ARGV[22])
  q = {win = tonumber(ARGV[15]), ds = tonumber(ARGV[16]), dn = tonumber(ARGV[17]), es = tonumber(ARGV[18]),
    en = tonumber(ARGV[19]), cs = ns, cn = nn, as = ns, an = nn, pend = 1, nx = 1, cl = 0, cid = 0, us = 0, un = 0,
    last = 0, clo = 0, term = 0, nb = 0, bb = 0, by = 0, rn = 0, pe = tonumber(ARGV[21]), r = {}, ra = '',
    off = ARGV[14], pat = ARGV[22]}
  store()
  return res('ok')
end
if op == 'remove' then
  if not q or q.st ~= 'l' or q.id ~= id then q = nil; return res('unknown') end
  drop()
  q = nil
  return res('ok')
end
if not find() then return res('unknown') end
if op == 'get' then
  local cached = redis.call('HLEN', KR)
  local live = 0
  if claimLive() then live = 1 end
  return res('ok', q.oc, q.ok, q.ver, q.at, q.off, q.win, q.ds, q.dn, q.es, q.en, q.cs, q.cn, q.as, q.an,
    q.pend, q.nx, live, q.nb, q.bb, cached, q.last, q.term, q.rn, q.ra)
end
if op == 'offerof' then return res('ok', q.off) end
if q.od ~= od then return res('owner') end
q.as, q.an = ns, nn

if op == 'touch' then
  store()
  return res('ok')
end
if op == 'accept' then
  local n, isLast, msg = tonumber(ARGV[9]), ARGV[10] == '1', ARGV[11]
  local us, un = tonumber(ARGV[12]), tonumber(ARGV[13])
  local code, claim, reply, hasReply, rn, re = nil, 0, '', 0, 0, 0
  if q.term == 1 then code = 'terminated'
  elseif n < 1 then code = 'invalid'
  elseif q.last > 0 and n > q.last then code = 'lastx'
  end
  if code then store(); return res(code) end
  if q.pend == 1 then q.pend = 0; unpended = 1 end
  local nk = fmt(n)
  local buffered = redis.call('HEXISTS', KB, nk) == 1
  if not buffered and contains(q.r, n) then
    local r = redis.call('HGET', KR, nk)
    if r then reply, hasReply = r, 1 end
    code = 'duplicate'
  elseif n == q.nx and claimLive() then code = 'inprogress'
  elseif buffered and n > q.nx then code = 'buffered'
  elseif not buffered and q.clo == 1 then code = 'closed'
  elseif not buffered and isLast and q.last == 0 and n < received() then code = 'lastx'
  elseif n == q.nx then
    if isLast and q.last == 0 then q.last = n end
    re = q.cl
    claim = grant(us, un)
    rn = q.rn + 1
    code = 'deliver'
  elseif not (n >= q.nx and n - q.nx < q.win) or q.nb >= q.win then
    code = 'dropped'
  elseif #msg == 0 then
    -- Given without its bytes (delivered messages never need them):
    -- nothing recorded but the activity; the caller sends them.
    code = 'needmsg'
  elseif not room(#msg) then
    code = 'dropped'
  else
    local flag = '0'
    if isLast then flag = '1' end
    redis.call('HSET', KB, nk, flag .. msg)
    q.r = radd(q.r, n); q.nb = q.nb + 1; q.bb = q.bb + #msg
    if isLast and q.last == 0 then q.last = n end
    code = 'buffered'
  end
  -- The end of another caller's live claim, for a waiting caller.
  local cus, cun = 0, 0
  if code ~= 'deliver' and claimLive() then cus, cun = q.us, q.un end
  store()
  return res(code, claim, hasReply, reply, rn, re, cus, cun)
end
if op == 'complete' then
  local n, claim, hasReply, reply = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11] == '1', ARGV[12]
  if q.cl ~= 1 or q.cid ~= claim or q.nx ~= n then store(); return res('claimlost') end
  local nk = fmt(n)
  local m = redis.call('HGET', KB, nk)
  if m then
    redis.call('HDEL', KB, nk)
    q.nb = q.nb - 1; q.bb = q.bb - (#m - 1); q.by = q.by - (#m - 1)
  end
  q.r = radd(q.r, n); q.nx = n + 1; q.cl = 0
  if hasReply then q.rn = q.rn + 1 end
  if hasReply and q.term == 0 then
    while maxReplies > 0 and redis.call('LLEN', KO) >= maxReplies do evictReply() end
    if maxReplies > 0 and room(#reply) then
      redis.call('HSET', KR, nk, reply)
      redis.call('RPUSH', KO, nk .. ':' .. fmt(q.rn))
    end
  end
  local has, dn, dl, dm, dc, drn, dre = claimBuffered(tonumber(ARGV[13]), tonumber(ARGV[14]))
  store()
  return res('ok', has, dn, dl, dm, dc, drn, dre)
end
if op == 'next' then
  local has, dn, dl, dm, dc, drn, dre = 0, 0, 0, '', 0, 0, 0
  if not claimLive() then has, dn, dl, dm, dc, drn, dre = claimBuffered(tonumber(ARGV[9]), tonumber(ARGV[10])) end
  store()
  return res('ok', has, dn, dl, dm, dc, drn, dre)
end
if op == 'ackreplies' then
  -- ARGV[9]: the merged ranges, or '!' for malformed ones (refused
  -- after the owner check, still counting as activity).
  local code = 'ok'
  if ARGV[9] == '!' then code = 'ackmalformed'
  else
    local set, old = parseRanges(ARGV[9]), parseRanges(q.ra)
    local stale, fresh = not covers(set, old), not covers(old, set)
    if #set > 0 and set[#set][2] > q.rn then code = 'ackunsent'
    elseif stale and fresh then code = 'ackinconsistent'
    elseif not stale then
      q.ra = ARGV[9]
      -- Only a fresh acknowledgement names replies still cached.
      if fresh then dropAcked(set) end
    end
  end
  store()
  return res(code, q.rn)
end
if op == 'end' then
  local ln, terminate = tonumber(ARGV[9]), ARGV[10] == '1'
  if q.term == 1 then
    store()
    if terminate then return res('ok') end
    return res('terminated')
  end
  if ln ~= 0 then
    if ln < received() or (q.last ~= 0 and ln ~= q.last) then store(); return res('lastx') end
    q.last = ln
  end
  q.clo = 1
  if terminate then
    q.term = 1
    redis.call('DEL', KR, KO)
    q.by = q.bb
  end
  store()
  return res('ok')
end
return redis.error_reply('redisstore: unknown step ' .. op)
`)
