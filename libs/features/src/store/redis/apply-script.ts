/**
 * The Lua script that applies a group of entity deltas and reads the entities back, atomically per
 * entity with its idempotency check. Generated from the state layout, so the script and the memory store
 * (store/memory-window-store.ts, which applies the same rules event by event) read the same table of
 * rings and counters; the contract and equivalence suites hold the two to identical vectors.
 *
 * Idempotency: each entity hash keeps `h:<topic>:<partition>` = the last offset of the last batch applied
 * to it. A delta whose entity offsets are all at or below it is a replay (status 1, nothing changes); one
 * that straddles it (status 2) is sent back to the client, which re-aggregates only the events above it.
 * Because the check and the update happen in one script on one slot, a crash between entities of a batch
 * leaves every entity either fully updated or untouched, which a replay then completes exactly once.
 *
 * Long memories (a principal's devices, a session's IPs, …) live in the entity hash itself (field `m`, one
 * msgpack array of member → last-seen maps) rather than in a ZSET per memory: the script reads them with
 * the state it fetches anyway, and the per-member ZSCORE/ZADD, the pruning, the expiry and the ZCOUNT reads
 * (up to 35 redis.call per new principal) become table operations. Eviction over the cap keeps ZSET order.
 *
 * KEYS: the state key of each entity. The entity's other keys (distinct-count windows) carry
 * the same hash tag, hence live in the same slot as the declared key, and are derived here from it; that
 * keeps a call to one key per entity (Redis checks that every key a script touches is in its slot).
 *
 * ARGV[1]: one MessagePack array (decoded by Redis's C cmsgpack), the number of entities, then per
 * entity, read with a cursor:
 *   layoutCode, hwmField|'', batchLastOffset, entityFirstOffset, entityLastOffset, appliedEvents,
 *   watermark, firstTs, lastTs, minTs, maxTs, deltaLength (ARGV entries of the rest, skipped on replay),
 *   per ring: nBuckets, then nBuckets × (index, counter values…),
 *   [seq: has, firstId, firstIdTs, lastId] [prior: n, n × (ts, count), lastNonLoginTs]
 *   [sensitive: n, ts…] [outcomes: leadingFailures, successes, between, sinceSuccess, lastSuccessTs]
 *   [travel: has, 4 × first, 4 × last],
 *   per dimension: nWindows, nWindows × (window, nElements, elements…),
 *   per memory: nMembers, nMembers × (member, minTs, maxTs).
 * Reply: cmsgpack of, per entity, {status, storedOffset|-1, the rings field c as stored ('' when stale or
 * new: msgpack of per ring the flat index+values), {cf, fb, sx},
 * distinct counts of the view window, memory counts}.
 */
import { COUNTER_INDEX, COMPILED_BY_CODE } from '../../registry/compiled-layout';
import {
  GAP_CAP_MS,
  PRIOR_REQUEST_WINDOW_MS,
  SENSITIVE_AFTER_LOGIN_MS,
  SEQUENTIAL_ID_MAX_STEP,
  TRAVEL_MIN_INTERVAL_MS,
} from '../../registry/counters';
import { DEG_TO_RAD, EARTH_RADIUS_KM } from '../../registry/country-centroids';
import { DISTINCT_HOP_MS, DISTINCT_WINDOW_MS } from '../../registry/windows';
import { REGISTERS } from '../../state/entity-view';

/** Wall-clock TTL of a hopping-window HyperLogLog key: its window, the hop it is read in, and slack. */
export const DIMENSION_KEY_TTL_MS = DISTINCT_WINDOW_MS + DISTINCT_HOP_MS + 5 * 60_000;

function luaLayouts(): string {
  const parts: string[] = [];
  for (const compiled of COMPILED_BY_CODE) {
    if (!compiled) continue;
    const l = compiled.layout;
    const rings = compiled.rings
      .map((r) => {
        const pos = Array.from(r.ids, (id, p) => `[${id}]=${p + 1}`).join(',');
        const max = r.isMax
          .map((m, p) => (m ? `[${p + 1}]=true` : ''))
          .filter(Boolean)
          .join(',');
        return `{span=${r.spec.spanMs},count=${r.spec.buckets},n=${r.ids.length},pos={${pos}},max={${max}}}`;
      })
      .join(',');
    const mems = l.memories
      .map(
        (m) =>
          `{kind='${m.kind}',ttl=${m.ttlMs},cap=${m.cap},newc=${m.newCounter === null ? -1 : COUNTER_INDEX[m.newCounter]},views={${m.viewsMs.join(',')}}}`,
      )
      .join(',');
    const dimNames = l.dimensions.map((d) => `'${d}'`).join(',');
    const op = (name: string) => (l.ops.includes(name as never) ? 'true' : 'false');
    parts.push(
      `LAYOUTS[${l.code}]={ttl=${l.stateTtlMs},rings={${rings}},ndims=${l.dimensions.length},dimNames={${dimNames}},mems={${mems}},` +
        `gaps=${op('gaps')},seq=${op('sequentialIds')},prior=${op('loginPrior')},sens=${op('sensitiveAfterLogin')},` +
        `outc=${op('loginOutcomes')},trav=${op('travel')}}`,
    );
  }
  return parts.join('\n');
}

const C = COUNTER_INDEX;

export const APPLY_SCRIPT = `-- vigil features: apply entity deltas (generated from libs/features/src/registry/layout.ts)
local LAYOUTS = {}
${luaLayouts()}
local REGN = {${REGISTERS.map((r) => `'${r}'`).join(',')}}
local GAP_CAP, SEQ_STEP, PRIOR, SENS = ${GAP_CAP_MS}, ${SEQUENTIAL_ID_MAX_STEP}, ${PRIOR_REQUEST_WINDOW_MS}, ${SENSITIVE_AFTER_LOGIN_MS}
local TRAVEL_MIN, DEG, EARTH, DIM_TTL = ${TRAVEL_MIN_INTERVAL_MS}, ${DEG_TO_RAD}, ${EARTH_RADIUS_KM}, ${DIMENSION_KEY_TTL_MS}
local C_GAPN, C_GAPS, C_GAPQ, C_SEQ = ${C.gapCount}, ${C.gapSumMs}, ${C.gapSumSqMs}, ${C.sequentialIdRequests}
local C_LWP, C_SAL, C_TRAVEL = ${C.loginsWithoutPriorRequest}, ${C.sensitiveAfterLogin}, ${C.travelMaxKmh}

local HOP = ${DISTINCT_HOP_MS}
local A = cmsgpack.unpack(ARGV[1])
local ki, ai = 0, 0
local function key() ki = ki + 1; return KEYS[ki] end
local function arg() ai = ai + 1; return A[ai] end
local num = arg
-- Numbers as text, exactly: integers below 1e15 (event times, offsets, windows: nearly every value) with
-- %d, which prints what %.17g would, without the cost of a floating-point conversion.
local function fmt(x)
  if x == math.floor(x) and x > -1e15 and x < 1e15 then return string.format('%d', x) end
  return string.format('%.17g', x)
end
-- ZSET order (score, then member bytes), as the memory store evicts over a memory's cap. Lua's string
-- '<' follows the server's LC_COLLATE, so bytes are compared one by one.
local function byScoreThenMember(p, q)
  if p[2] ~= q[2] then return p[2] < q[2] end
  local a, b = p[1], q[1]
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function addAt(L, rings, cid, ts, v)
  for r = 1, #L.rings do
    local R = L.rings[r]
    local p = R.pos[cid]
    if p then
      local idx = math.floor(ts / R.span)
      local b = rings[r][idx]
      if not b then
        b = {}
        for j = 1, R.n do b[j] = 0 end
        rings[r][idx] = b
      end
      if R.max[p] then
        if v > b[p] then b[p] = v end
      else
        b[p] = b[p] + v
      end
    end
  end
end

local function speed(a1, a2, a3, a4, b1, b2, b3, b4)
  local dt = b1 - a1
  if dt <= 0 then return 0 end
  local dLat = (b2 - a2) * DEG
  local dLonDeg = b3 - a3
  if dLonDeg > 180 then dLonDeg = dLonDeg - 360 elseif dLonDeg < -180 then dLonDeg = dLonDeg + 360 end
  local x = dLonDeg * DEG * ((a4 + b4) / 2)
  local km = EARTH * math.sqrt(dLat * dLat + x * x)
  local hours = math.max(dt, TRAVEL_MIN) / 3600000
  return math.floor(km / hours + 0.5)
end

local out = {}
local nEntities = num()
for e = 1, nEntities do
  local L = LAYOUTS[num()]
  local sk = key()
  local hwmField = arg()
  local batchLast, entFirst, entLast, applied = num(), num(), num(), num()
  local wm, firstTs, lastTs, minTs, maxTs = num(), num(), num(), num(), num()
  -- The delta's length in ARGV entries: a replayed entity skips it unread.
  local deltaLen = num()
  local deltaEnd = ai + deltaLen

  local st = redis.call('HMGET', sk, 'c', 'lt', 'ls', 'li', 'nl', 'cf', 'fb', 'sx', 'tt', 'ta', 'to', 'tc',
    hwmField ~= '' and hwmField or 'h', 'm')
  local regs = {}
  for i = 1, 11 do regs[REGN[i]] = tonumber(st[i + 1]) end
  local hwm = tonumber(st[13])
  local status = 0
  if applied == 0 then status = 3
  elseif hwmField ~= '' and hwm and hwm >= entLast then status = 1
  elseif hwmField ~= '' and hwm and hwm >= entFirst then status = 2 end
  -- Long memories: per memory, member -> last-seen event time, in the hash field m (one msgpack value).
  local mems = {}
  if #L.mems > 0 and st[14] then mems = cmsgpack.unpack(st[14]) end
  for k = 1, #L.mems do if not mems[k] then mems[k] = {} end end
  local memsChanged = false
  local dimView = {}
  for k = 1, L.ndims do dimView[k] = sk .. ':d:' .. L.dimNames[k] .. ':' .. fmt(math.floor(wm / HOP) - 1) end

  local rdelta, seq, prior, sens, outc, trav = {}, nil, nil, nil, nil, nil
  local dimAdds, memDeltas = {}, {}
  if status ~= 0 then
    ai = deltaEnd
  else
    for r = 1, #L.rings do
      local n = L.rings[r].n
      local list = {}
      for b = 1, num() do
        local idx = num()
        local vals = {}
        for j = 1, n do vals[j] = num() end
        list[b] = {idx, vals}
      end
      rdelta[r] = list
    end
    if L.seq and num() == 1 then seq = {num(), num(), num()} end
    if L.prior then
      local list = {}
      for i = 1, num() do list[i] = {num(), num()} end
      prior = {list, num()}
    end
    if L.sens then
      sens = {}
      for i = 1, num() do sens[i] = num() end
    end
    if L.outc then outc = {num(), num(), num(), num(), num()} end
    if L.trav and num() == 1 then trav = {num(), num(), num(), num(), num(), num(), num(), num()} end
    for k = 1, L.ndims do
      local adds = {}
      local prefix = sk .. ':d:' .. L.dimNames[k] .. ':'
      for w = 1, num() do
        local dk = prefix .. fmt(num())
        local els = {}
        for i = 1, num() do els[i] = arg() end
        adds[w] = {dk, els}
      end
      dimAdds[k] = adds
    end
    for k = 1, #L.mems do
      local list = {}
      for i = 1, num() do list[i] = {arg(), num(), num()} end
      memDeltas[k] = list
    end
  end

  -- The counter buckets as stored (field c, msgpack: per ring, flat index + values); the reply carries
  -- them as that one string, unpacked by the client, so a read-only entity never decodes them here.
  local ringBlob = st[1] or ''
  local rings = {}
  for r = 1, #L.rings do rings[r] = {} end
  if status == 0 and st[1] then
    local flat = cmsgpack.unpack(st[1])
    for r = 1, #L.rings do
      local f = flat[r]
      local n1 = L.rings[r].n + 1
      if f then
        for i = 1, #f, n1 do
          local b = {}
          for j = 1, n1 - 1 do b[j] = f[i + j] end
          rings[r][f[i]] = b
        end
      end
    end
  end

  if status == 0 then
    if regs.ls and wm - regs.ls > L.ttl then
      for r = 1, #L.rings do rings[r] = {} end
      regs = {}
    end
    for r = 1, #L.rings do
      local R = L.rings[r]
      for _, bd in ipairs(rdelta[r]) do
        local idx, vals = bd[1], bd[2]
        local b = rings[r][idx]
        if not b then
          rings[r][idx] = vals
        else
          for j = 1, R.n do
            if R.max[j] then
              if vals[j] > b[j] then b[j] = vals[j] end
            else
              b[j] = b[j] + vals[j]
            end
          end
        end
      end
    end
    if L.gaps then
      if regs.lt then
        local g = firstTs - regs.lt
        if g < 0 then g = 0 elseif g > GAP_CAP then g = GAP_CAP end
        addAt(L, rings, C_GAPN, firstTs, 1)
        addAt(L, rings, C_GAPS, firstTs, g)
        addAt(L, rings, C_GAPQ, firstTs, g * g)
      end
      regs.lt = lastTs
    end
    if (not regs.ls) or maxTs > regs.ls then regs.ls = maxTs end
    if seq then
      if regs.li then
        local step = math.abs(seq[1] - regs.li)
        if step >= 1 and step <= SEQ_STEP then addAt(L, rings, C_SEQ, seq[2], 1) end
      end
      regs.li = seq[3]
    end
    if prior then
      local nl = regs.nl
      if #prior[1] > 0 then
        local had = nl and (firstTs - nl <= PRIOR)
        if not had then
          for _, p in ipairs(prior[1]) do addAt(L, rings, C_LWP, p[1], p[2]) end
        end
      end
      if prior[2] >= 0 and ((not nl) or prior[2] > nl) then regs.nl = prior[2] end
    end
    if sens and regs.sx then
      for _, ts in ipairs(sens) do
        local since = ts - regs.sx
        if since >= 0 and since <= SENS then addAt(L, rings, C_SAL, ts, 1) end
      end
    end
    if outc and (outc[2] > 0 or outc[1] > 0) then
      local cf = regs.cf or 0
      if outc[2] > 0 then
        if outc[2] >= 2 then regs.fb = outc[3] else regs.fb = cf + outc[1] end
        regs.cf = outc[4]
        if (not regs.sx) or outc[5] > regs.sx then regs.sx = outc[5] end
      else
        regs.cf = cf + outc[1]
      end
    end
    if trav then
      if regs.tt then
        addAt(L, rings, C_TRAVEL, trav[1], speed(regs.tt, regs.ta, regs.to, regs.tc, trav[1], trav[2], trav[3], trav[4]))
      end
      regs.tt, regs.ta, regs.to, regs.tc = trav[5], trav[6], trav[7], trav[8]
    end
    for k = 1, #L.mems do
      local M, members, list = L.mems[k], mems[k], memDeltas[k]
      if #list > 0 then
        memsChanged = true
        for _, m in ipairs(list) do
          local score = members[m[1]]
          if ((not score) or score < m[2] - M.ttl) and M.newc >= 0 then addAt(L, rings, M.newc, m[2], 1) end
          if (not score) or m[3] > score then members[m[1]] = m[3] end
        end
        local oldest, card = wm - M.ttl, 0
        for member, score in pairs(members) do
          if score < oldest then members[member] = nil else card = card + 1 end
        end
        if card > M.cap then
          local sorted = {}
          for member, score in pairs(members) do sorted[#sorted + 1] = {member, score} end
          table.sort(sorted, byScoreThenMember)
          for i = 1, card - M.cap do members[sorted[i][1]] = nil end
        end
      end
    end
    local flat = {}
    for r = 1, #L.rings do
      local R = L.rings[r]
      local floor = math.floor(wm / R.span) - R.count
      local f = {}
      for idx, b in pairs(rings[r]) do
        if idx > floor then
          f[#f + 1] = idx
          for j = 1, R.n do f[#f + 1] = b[j] end
        else
          rings[r][idx] = nil
        end
      end
      flat[r] = f
    end
    ringBlob = cmsgpack.pack(flat)
    local hs = {'c', ringBlob}
    for i = 1, 11 do
      local v = regs[REGN[i]]
      hs[#hs + 1] = REGN[i]
      hs[#hs + 1] = v and fmt(v) or ''
    end
    if hwmField ~= '' then
      hs[#hs + 1] = hwmField
      hs[#hs + 1] = fmt(batchLast)
    end
    if memsChanged then
      hs[#hs + 1] = 'm'
      hs[#hs + 1] = cmsgpack.pack(mems)
    end
    redis.call('HSET', sk, unpack(hs))
    redis.call('PEXPIRE', sk, L.ttl)
    for k = 1, L.ndims do
      for _, a in ipairs(dimAdds[k]) do
        local els, changed = a[2], 0
        for i = 1, #els, 500 do
          changed = changed + redis.call('PFADD', a[1], unpack(els, i, math.min(i + 499, #els)))
        end
        if changed > 0 then redis.call('PEXPIRE', a[1], DIM_TTL) end
      end
    end
  end

  local stale = regs.ls and wm - regs.ls > L.ttl
  if stale then ringBlob = '' end
  local regOut
  if stale then regOut = {0, 0, -1} else regOut = {regs.cf or 0, regs.fb or 0, regs.sx or -1} end
  local dimOut = {}
  for k = 1, L.ndims do dimOut[k] = redis.call('PFCOUNT', dimView[k]) end
  local memOut = {}
  for k = 1, #L.mems do
    local M, c, from = L.mems[k], {}, {}
    for v = 1, #M.views do from[v] = wm - M.views[v] end
    from[#from + 1] = wm - M.ttl
    for i = 1, #from do c[i] = 0 end
    for _, score in pairs(mems[k]) do
      for i = 1, #from do if score >= from[i] then c[i] = c[i] + 1 end end
    end
    memOut[k] = c
  end
  out[e] = {status, hwm or -1, ringBlob, regOut, dimOut, memOut}
end
return cmsgpack.pack(out)
`;

/** Reads `sx` (last successful login) and `ls` (last seen) of principals, for the batch's failures. */
export const PRINCIPAL_FIELDS = ['sx', 'ls'] as const;
