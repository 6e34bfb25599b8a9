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
 * Distinct counts likewise: per dimension the two live hopping windows' places sit in field `d`, each with
 * up to INLINE_DISTINCT elements; only a place that sees more gets a HyperLogLog key (PFADD/PFCOUNT),
 * so most entity updates issue no HyperLogLog command at all.
 *
 * KEYS: the state key of each entity. The entity's other keys (promoted distinct-count windows) carry
 * the same hash tag, hence live in the same slot as the declared key, and are derived here from it; that
 * keeps a call to one key per entity (Redis checks that every key a script touches is in its slot).
 *
 * ARGV[1]: one MessagePack array (decoded by Redis's C cmsgpack), the number of entities, then per
 * entity, read with a cursor:
 *   layoutCode, hwmField|'', batchLastOffset, entityFirstOffset, entityLastOffset, appliedEvents,
 *   watermark, firstTs, lastTs, minTs, maxTs, deltaLength (ARGV entries of the rest, skipped on replay),
 *   per ring: nBuckets, then nBuckets × (index, counter values…),
 *   [seq: has, firstId, firstIdTs, lastId] [prior: n, n × (ts, count), lastNonLoginTs]
 *   [sensitive: n, n × (ts, batch's latest success before it | -1)] [outcomes: leadingFailures, successes, between, sinceSuccess, lastSuccessTs]
 *   [travel: has, 4 × first, 4 × last],
 *   per dimension: nWindows, nWindows × (window, nElements, elements…),
 *   per memory: nMembers, nMembers × (member, minTs, maxTs).
 * Hash fields: c (rings: msgpack of per ring the flat index+values), r (registers: REGISTERS.length
 * little-endian doubles via struct, NaN when never set: one field instead of one number-as-text per
 * register), h:<topic>:<partition>, m, d (msgpack: per dimension × 2 places {window, promoted 0|1,
 * inline elements…}).
 * Reply: cmsgpack of one flat array, per entity: status, storedOffset|-1, the rings field c as stored
 * ('' when stale or new), cf, fb, sx, per dimension its view window as n ≥ 0 then n inline elements (the
 * client counts them with the HyperLogLog rules) or -1 then the PFCOUNT, then per memory its view counts
 * and its TTL count (layout order; the client walks it with the layouts).
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
import { REG, REGISTERS, type RegisterName } from '../../state/entity-view';

/**
 * Distinct elements a window place keeps inline in the entity hash (field d) before it is promoted to a
 * HyperLogLog key of its own. The count is the same either way (the client counts inline elements with
 * the HyperLogLog rules); most entities see a handful per window and never need a key.
 */
export const INLINE_DISTINCT = 4;

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
        return `{span=${r.spec.spanMs},count=${r.spec.buckets},n=${r.ids.length},pos={${pos}},max={${max}},hasMax=${r.isMax.some(Boolean)}}`;
      })
      .join(',');
    const mems = l.memories
      .map(
        (m) =>
          `{kind='${m.kind}',ttl=${m.ttlMs},cap=${m.cap},newc=${m.newCounter === null ? -1 : COUNTER_INDEX[m.newCounter]},views={${m.viewsMs.join(',')}}}`,
      )
      .join(',');
    const dimSfx = l.dimensions.map((d) => `':d:${d}:'`).join(',');
    const op = (name: string) => (l.ops.includes(name as never) ? 'true' : 'false');
    parts.push(
      `LAYOUTS[${l.code}]={ttl=${l.stateTtlMs},rings={${rings}},ndims=${l.dimensions.length},dimSfx={${dimSfx}},mems={${mems}},` +
        `gaps=${op('gaps')},seq=${op('sequentialIds')},prior=${op('loginPrior')},sens=${op('sensitiveAfterLogin')},` +
        `outc=${op('loginOutcomes')},trav=${op('travel')}}`,
    );
  }
  return parts.join('\n');
}

const C = COUNTER_INDEX;
// The script unpacks field r into locals named and ordered as REGISTERS.
if (REGISTERS.join(',') !== 'lt,ls,li,nl,cf,fb,sx,tt,ta,to,tc') throw new Error('apply-script: registers changed');

export const APPLY_SCRIPT = `-- vigil features: apply entity deltas (generated from libs/features/src/registry/layout.ts)
local LAYOUTS = {}
${luaLayouts()}
local GAP_CAP, SEQ_STEP, PRIOR, SENS = ${GAP_CAP_MS}, ${SEQUENTIAL_ID_MAX_STEP}, ${PRIOR_REQUEST_WINDOW_MS}, ${SENSITIVE_AFTER_LOGIN_MS}
local TRAVEL_MIN, DEG, EARTH, DIM_TTL = ${TRAVEL_MIN_INTERVAL_MS}, ${DEG_TO_RAD}, ${EARTH_RADIUS_KM}, ${DIMENSION_KEY_TTL_MS}
local C_GAPN, C_GAPS, C_GAPQ, C_SEQ = ${C.gapCount}, ${C.gapSumMs}, ${C.gapSumSqMs}, ${C.sequentialIdRequests}
local C_LWP, C_SAL, C_TRAVEL = ${C.loginsWithoutPriorRequest}, ${C.sensitiveAfterLogin}, ${C.travelMaxKmh}

local HOP, INLINE = ${DISTINCT_HOP_MS}, ${INLINE_DISTINCT}
local REGF, NAN = '<${'d'.repeat(REGISTERS.length)}', 0 / 0
local A = cmsgpack.unpack(ARGV[1])
local floor, format, abs = math.floor, string.format, math.abs
-- Numbers as text, exactly: integers below 1e15 (event times, offsets, windows: nearly every value) with
-- %d, which prints what %.17g would, without the cost of a floating-point conversion.
local function fmt(x)
  if x == floor(x) and x > -1e15 and x < 1e15 then return format('%d', x) end
  return format('%.17g', x)
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

-- A ring in the script is the flat list it is stored as (index, then the ring's n counters, per bucket)
-- plus pos: bucket index -> position of that index in the list; new buckets are appended.
local function addAt(L, rings, poss, cid, ts, v)
  local LR = L.rings
  for r = 1, #LR do
    local R = LR[r]
    local p = R.pos[cid]
    if p then
      local idx = floor(ts / R.span)
      local f, pos = rings[r], poss[r]
      local i = pos[idx]
      if not i then
        i = #f + 1
        pos[idx] = i
        f[i] = idx
        for j = 1, R.n do f[i + j] = 0 end
      end
      local q = i + p
      if R.max[p] then
        if v > f[q] then f[q] = v end
      else
        f[q] = f[q] + v
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
  return floor(km / hours + 0.5)
end

local out, on = {}, 0
-- ARGV cursor: A[ai] is the last entry read.
local ai = 1
local viewWm, viewW, viewSuffix = nil, nil, nil
for e = 1, A[1] do
  local L = LAYOUTS[A[ai + 1]]
  local sk = KEYS[e]
  local hwmField = A[ai + 2]
  local batchLast, entFirst, entLast, applied = A[ai + 3], A[ai + 4], A[ai + 5], A[ai + 6]
  local wm, firstTs, lastTs, maxTs = A[ai + 7], A[ai + 8], A[ai + 9], A[ai + 11]
  -- The delta's length in ARGV entries: a replayed entity skips it unread.
  local deltaEnd = ai + 12 + A[ai + 12]
  ai = ai + 12

  local st = redis.call('HMGET', sk, 'c', 'r', hwmField ~= '' and hwmField or 'h', 'm', 'd')
  -- Registers: field r, ${REGISTERS.length} little-endian doubles in REGISTERS order, NaN when never set.
  local lt, ls, li, nl, cf, fb, sx, tt, ta, to, tc
  if st[2] then
    lt, ls, li, nl, cf, fb, sx, tt, ta, to, tc = struct.unpack(REGF, st[2])
    if lt ~= lt then lt = nil end
    if ls ~= ls then ls = nil end
    if li ~= li then li = nil end
    if nl ~= nl then nl = nil end
    if cf ~= cf then cf = nil end
    if fb ~= fb then fb = nil end
    if sx ~= sx then sx = nil end
    if tt ~= tt then tt = nil end
    if ta ~= ta then ta = nil end
    if to ~= to then to = nil end
    if tc ~= tc then tc = nil end
  end
  local hwm = tonumber(st[3])
  local status = 0
  if applied == 0 then status = 3
  elseif hwmField ~= '' and hwm and hwm >= entLast then status = 1
  elseif hwmField ~= '' and hwm and hwm >= entFirst then status = 2 end
  -- Long memories: per memory, member -> last-seen event time, in the hash field m (one msgpack value).
  local LM = L.mems
  local nm = #LM
  local mems
  if nm > 0 then
    mems = st[4] and cmsgpack.unpack(st[4]) or {}
    for k = 1, nm do if not mems[k] then mems[k] = {} end end
  end
  if wm ~= viewWm then viewWm, viewW = wm, floor(wm / HOP) - 1; viewSuffix = fmt(viewW) end
  -- Distinct counts: per dimension two window places (window w at place w % 2), field d, each
  -- {window, promoted, elements...}: up to INLINE distinct elements kept in the hash itself; a place
  -- holding more is promoted to a HyperLogLog key of its own (most entities never need one).
  local nd = L.ndims
  local D
  if nd > 0 then
    D = st[5] and cmsgpack.unpack(st[5]) or {}
    for i = 1, 2 * nd do if not D[i] then D[i] = {-1, 0} end end
  end
  local dChanged = false

  -- The counter buckets as stored (field c, msgpack: per ring, flat index + values); the reply carries
  -- them as that one string, unpacked by the client, so a read-only entity never decodes them here.
  local ringBlob = st[1] or ''
  if status ~= 0 then
    ai = deltaEnd
  else
    local nr = #L.rings
    local rings, poss = {}, {}
    local stale = ls and wm - ls > L.ttl
    if stale then lt, ls, li, nl, cf, fb, sx, tt, ta, to, tc = nil end
    local flat = nil
    if st[1] and not stale then flat = cmsgpack.unpack(st[1]) end
    -- The stored buckets, with the delta's merged in as they are read.
    for r = 1, nr do
      local R = L.rings[r]
      local n, mx, hasMax = R.n, R.max, R.hasMax
      local n1 = n + 1
      local f = flat and flat[r] or {}
      local pos = {}
      local len = #f
      for i = 1, len, n1 do pos[f[i]] = i end
      ai = ai + 1
      for _ = 1, A[ai] do
        local idx = A[ai + 1]
        local i = pos[idx]
        if not i then
          i = len + 1
          pos[idx] = i
          f[i] = idx
          for j = 1, n do f[i + j] = A[ai + 1 + j] end
          len = len + n1
        elseif hasMax then
          for j = 1, n do
            local v = A[ai + 1 + j]
            if mx[j] then
              if v > f[i + j] then f[i + j] = v end
            else
              f[i + j] = f[i + j] + v
            end
          end
        else
          for j = 1, n do f[i + j] = f[i + j] + A[ai + 1 + j] end
        end
        ai = ai + n1
      end
      rings[r] = f
      poss[r] = pos
    end
    if L.gaps then
      if lt then
        local g = firstTs - lt
        if g < 0 then g = 0 elseif g > GAP_CAP then g = GAP_CAP end
        addAt(L, rings, poss, C_GAPN, firstTs, 1)
        addAt(L, rings, poss, C_GAPS, firstTs, g)
        addAt(L, rings, poss, C_GAPQ, firstTs, g * g)
      end
      lt = lastTs
    end
    if (not ls) or maxTs > ls then ls = maxTs end
    -- seq: has, firstId, firstIdTs, lastId
    if L.seq then
      ai = ai + 1
      if A[ai] == 1 then
        if li then
          local step = abs(A[ai + 1] - li)
          if step >= 1 and step <= SEQ_STEP then addAt(L, rings, poss, C_SEQ, A[ai + 2], 1) end
        end
        li = A[ai + 3]
        ai = ai + 3
      end
    end
    -- prior: n, n x (ts, count), lastNonLoginTs
    if L.prior then
      local np = A[ai + 1]
      if np > 0 and not (nl and firstTs - nl <= PRIOR) then
        for i = 1, np do addAt(L, rings, poss, C_LWP, A[ai + 2 * i], A[ai + 2 * i + 1]) end
      end
      ai = ai + 2 * np + 2
      local lastNonLogin = A[ai]
      if lastNonLogin >= 0 and ((not nl) or lastNonLogin > nl) then nl = lastNonLogin end
    end
    -- sensitive: n, n x (ts, the batch's latest success before it or -1): judged against the latest
    -- success applied before it, the stored one or the batch's, whichever is later.
    if L.sens then
      local ns = A[ai + 1]
      for i = 1, ns do
        local ts, last = A[ai + 2 * i], A[ai + 2 * i + 1]
        if sx and sx > last then last = sx end
        if last >= 0 then
          local since = ts - last
          if since >= 0 and since <= SENS then addAt(L, rings, poss, C_SAL, ts, 1) end
        end
      end
      ai = ai + 1 + 2 * ns
    end
    -- outcomes: leadingFailures, successes, between, sinceSuccess, lastSuccessTs
    if L.outc then
      local leading, successes = A[ai + 1], A[ai + 2]
      if successes > 0 or leading > 0 then
        local cf0 = cf or 0
        if successes > 0 then
          if successes >= 2 then fb = A[ai + 3] else fb = cf0 + leading end
          cf = A[ai + 4]
          if (not sx) or A[ai + 5] > sx then sx = A[ai + 5] end
        else
          cf = cf0 + leading
        end
      end
      ai = ai + 5
    end
    -- travel: has, 4 x first, 4 x last
    if L.trav then
      ai = ai + 1
      if A[ai] == 1 then
        if tt then
          addAt(L, rings, poss, C_TRAVEL, A[ai + 1],
            speed(tt, ta, to, tc, A[ai + 1], A[ai + 2], A[ai + 3], A[ai + 4]))
        end
        tt, ta, to, tc = A[ai + 5], A[ai + 6], A[ai + 7], A[ai + 8]
        ai = ai + 8
      end
    end
    -- per dimension: nWindows, nWindows x (window, nElements, elements...), added as they are read
    for k = 1, nd do
      local prefix = sk .. L.dimSfx[k]
      ai = ai + 1
      for _ = 1, A[ai] do
        local w, ne = A[ai + 1], A[ai + 2]
        ai = ai + 2
        local pi = 2 * (k - 1) + w % 2 + 1
        local P = D[pi]
        if P[1] ~= w then
          P = {w, 0}
          D[pi] = P
          dChanged = true
        end
        -- Elements from position 'from' on go to the place's HyperLogLog key (all once promoted).
        local from, promote = ne + 1, false
        if P[2] == 1 then
          from = 1
        else
          for i = 1, ne do
            local el = A[ai + i]
            local known = false
            for j = 3, #P do if P[j] == el then known = true; break end end
            if not known then
              if #P - 2 >= INLINE then
                promote, from = true, i
                break
              end
              P[#P + 1] = el
              dChanged = true
            end
          end
        end
        if from <= ne then
          local dk = prefix .. fmt(w)
          local changed = 0
          if promote then
            -- The key starts from the inline elements (a stale key of the same window, left by an
            -- entity that expired and came back, is dropped first).
            redis.call('DEL', dk)
            changed = redis.call('PFADD', dk, unpack(P, 3))
            D[pi] = {w, 1}
            dChanged = true
          end
          for i = from, ne, 500 do
            changed = changed + redis.call('PFADD', dk, unpack(A, ai + i, ai + math.min(i + 499, ne)))
          end
          if changed > 0 then redis.call('PEXPIRE', dk, DIM_TTL) end
        end
        ai = ai + ne
      end
    end
    -- per memory: nMembers, nMembers x (member, minTs, maxTs)
    local memsChanged = false
    for k = 1, nm do
      local M, members = LM[k], mems[k]
      local cnt = A[ai + 1]
      ai = ai + 1
      if cnt > 0 then
        memsChanged = true
        local ttl, newc = M.ttl, M.newc
        for _ = 1, cnt do
          local member, minSeen, maxSeen = A[ai + 1], A[ai + 2], A[ai + 3]
          ai = ai + 3
          local score = members[member]
          if ((not score) or score < minSeen - ttl) and newc >= 0 then addAt(L, rings, poss, newc, minSeen, 1) end
          if (not score) or maxSeen > score then members[member] = maxSeen end
        end
        local oldest, card = wm - ttl, 0
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
    -- Buckets that left their ring's span are dropped, the list compacted in place.
    for r = 1, nr do
      local R = L.rings[r]
      local lim = floor(wm / R.span) - R.count
      local f, n1 = rings[r], R.n + 1
      local len, w = #f, 0
      for i = 1, len, n1 do
        if f[i] > lim then
          if w + 1 ~= i then
            for j = 0, n1 - 1 do f[w + 1 + j] = f[i + j] end
          end
          w = w + n1
        end
      end
      for i = len, w + 1, -1 do f[i] = nil end
    end
    ringBlob = cmsgpack.pack(rings)
    local regBlob = struct.pack(REGF, lt or NAN, ls or NAN, li or NAN, nl or NAN, cf or NAN, fb or NAN,
      sx or NAN, tt or NAN, ta or NAN, to or NAN, tc or NAN)
    local hs = {'c', ringBlob, 'r', regBlob}
    if hwmField ~= '' then hs[5] = hwmField; hs[6] = fmt(batchLast) end
    if memsChanged then hs[#hs + 1] = 'm'; hs[#hs + 1] = cmsgpack.pack(mems) end
    if dChanged then hs[#hs + 1] = 'd'; hs[#hs + 1] = cmsgpack.pack(D) end
    redis.call('HSET', sk, unpack(hs))
    redis.call('PEXPIRE', sk, L.ttl)
  end

  local stale = ls and wm - ls > L.ttl
  out[on + 1] = status
  out[on + 2] = hwm or -1
  if stale then
    out[on + 3], out[on + 4], out[on + 5], out[on + 6] = '', 0, 0, -1
  else
    out[on + 3], out[on + 4], out[on + 5], out[on + 6] = ringBlob, cf or 0, fb or 0, sx or -1
  end
  on = on + 6
  -- per dimension, its view window: n >= 0 inline elements (the client counts them), or -1 and PFCOUNT
  for k = 1, nd do
    local P = D[2 * (k - 1) + viewW % 2 + 1]
    if P[1] ~= viewW then
      on = on + 1
      out[on] = 0
    elseif P[2] == 1 then
      out[on + 1] = -1
      out[on + 2] = redis.call('PFCOUNT', sk .. L.dimSfx[k] .. viewSuffix)
      on = on + 2
    else
      on = on + 1
      out[on] = #P - 2
      for j = 3, #P do
        on = on + 1
        out[on] = P[j]
      end
    end
  end
  for k = 1, nm do
    local M = LM[k]
    local views = M.views
    local nv = #views
    local from = {}
    for v = 1, nv do from[v] = wm - views[v] end
    from[nv + 1] = wm - M.ttl
    for i = 1, nv + 1 do out[on + i] = 0 end
    for _, score in pairs(mems[k]) do
      for i = 1, nv + 1 do if score >= from[i] then out[on + i] = out[on + i] + 1 end end
    end
    on = on + nv + 1
  end
end
return cmsgpack.pack(out)
`;

/** The hash field of an entity's registers: REGISTERS.length little-endian doubles, NaN when never set. */
export const REGISTER_FIELD = 'r';

/** One register out of the stored field (NaN when the field is absent or the register never set). */
export function storedRegister(field: Buffer | null, name: RegisterName): number {
  return field && field.length >= 8 * REGISTERS.length ? field.readDoubleLE(8 * REG[name]) : NaN;
}
