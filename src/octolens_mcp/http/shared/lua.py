"""The Lua scripts that make each shared operation one atomic round trip.

Every script first clears a key of a type it does not expect (bad data never blocks it), and only
ever deletes keys of its own namespace.
"""

from __future__ import annotations

_ONLY = """
local function only(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= kind and found ~= 'none' then redis.call('DEL', key) end
end
"""

CLAIM = (
    _ONLY
    + """
-- KEYS: entry, lock, generation. ARGV: token, lease milliseconds, orphaned-below milliseconds.
-- Returns {entry or '', 1 when this caller now holds the lock else 0, generation or ''}.
-- A lock with no owner is dropped and taken, so readers never wait for it: one no leader could have set
-- (no expiry, or longer than a lease: left by an older version, or by hand), and one whose leader missed
-- two renewals (it died, lost Redis, or Redis came back from a snapshot taken while it held the lock).
only(KEYS[1], 'string'); only(KEYS[2], 'string'); only(KEYS[3], 'string')
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('DEL', KEYS[1]) end
local entry = redis.call('GET', KEYS[1])
if entry then return {entry, 0, ''} end
local held = redis.call('PTTL', KEYS[2])
if held == -1 or held > tonumber(ARGV[2]) or (held >= 0 and held < tonumber(ARGV[3])) then
  redis.call('DEL', KEYS[2])
end
local lead = 0
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then lead = 1 end
return {'', lead, redis.call('GET', KEYS[3]) or ''}
"""
)

STORE = (
    _ONLY
    + """
-- KEYS: entry, lock, generation, index of the path. ARGV: token, generation seen, payload, milliseconds.
-- Stores the entry only if no write bumped the generation since the claim; always releases the lock.
only(KEYS[2], 'string'); only(KEYS[3], 'string'); only(KEYS[4], 'set')
local stored = 0
if (redis.call('GET', KEYS[3]) or '') == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  redis.call('SADD', KEYS[4], KEYS[1])
  if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[4], ARGV[4]) end
  if redis.call('SCARD', KEYS[4]) > 64 then
    for _, member in ipairs(redis.call('SMEMBERS', KEYS[4])) do
      if redis.call('EXISTS', member) == 0 then redis.call('SREM', KEYS[4], member) end
    end
  end
  stored = 1
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return stored
"""
)

RELEASE = (
    _ONLY
    + """
-- KEYS: lock. ARGV: token. Deletes the lock only if this caller still holds it.
only(KEYS[1], 'string')
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
)

RENEW = (
    _ONLY
    + """
-- KEYS: lock. ARGV: token, lock milliseconds. Extends the lock only if this caller still holds it.
only(KEYS[1], 'string')
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
)

INVALIDATE = (
    _ONLY
    + """
-- KEYS: generation, then the index of each affected path. ARGV: generation milliseconds, entry prefix.
only(KEYS[1], 'string')
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^%d+$') then redis.call('DEL', KEYS[1]) end
local generation = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
for i = 2, #KEYS do
  if redis.call('TYPE', KEYS[i])['ok'] == 'set' then
    for _, member in ipairs(redis.call('SMEMBERS', KEYS[i])) do
      if string.sub(member, 1, #ARGV[2]) == ARGV[2] then redis.call('DEL', member) end
    end
  end
  redis.call('DEL', KEYS[i])
end
return generation
"""
)

RECORD_BUDGET = (
    _ONLY
    + """
-- KEYS: budget. ARGV: reset (epoch seconds), remaining, value.
-- The newest budget wins: a later reset, or in the same window fewer requests left. Kept until its reset.
-- A spent one (a 429's hold until its Retry-After is over) also replaces one that is not, whatever its reset.
only(KEYS[1], 'string')
local old = redis.call('GET', KEYS[1])
if old then
  local reset, remaining = string.match(old, '^(%d+) (%d+) ')
  if reset then
    local new_reset, new_remaining = tonumber(ARGV[1]), tonumber(ARGV[2])
    reset, remaining = tonumber(reset), tonumber(remaining)
    local holds = new_remaining == 0 and remaining > 0
    if not holds and (new_reset < reset or (new_reset == reset and new_remaining >= remaining)) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
"""
)
