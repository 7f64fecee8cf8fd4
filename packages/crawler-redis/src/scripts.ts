// The Lua scripts of the frontier. Each runs atomically on the server, so two workers never take
// the same request and a lease is never half returned. They touch keys derived from the queue key
// at run time (the worker's lease hash), so they need a single Redis server, not a cluster.

/** Queue kinds, as the scripts spell them (`RedisScheduler.kind`). */
export type QueueKind = 'priority' | 'fifo' | 'lifo';

/**
 * Enqueue one request. KEYS: queue, dupefilter. ARGV: kind, fingerprint ('' = no filtering),
 * score, payload. Returns 1 when queued, 0 when the fingerprint was already in the dupefilter.
 * @internal
 */
export const ENQUEUE = `
if ARGV[2] ~= '' and redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return 0 end
if ARGV[1] == 'priority' then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
else redis.call('LPUSH', KEYS[1], ARGV[4]) end
return 1
`;

/**
 * Take up to N requests under a lease. KEYS: queue, this worker's lease hash, workers set, this
 * worker's heartbeat key, requeue-count hash. ARGV: kind, N, worker id, lease ms, token prefix.
 * Each taken payload is stored in the lease hash as "score\\npayload" under a fresh token.
 * Returns { queue length left, token1, payload1, requeues1, token2, … }.
 * @internal
 */
export const LEASE = `
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
local kind, n = ARGV[1], tonumber(ARGV[2])
local out = {0}
local function take(i, score, payload)
  local token = ARGV[5] .. i
  redis.call('HSET', KEYS[2], token, score .. '\\n' .. payload)
  local rq = redis.call('HGET', KEYS[5], redis.sha1hex(payload)) or '0'
  out[#out + 1] = token
  out[#out + 1] = payload
  out[#out + 1] = rq
end
if kind == 'priority' then
  local got = redis.call('ZRANGE', KEYS[1], 0, n - 1, 'WITHSCORES')
  if #got > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, (#got / 2) - 1) end
  for i = 1, #got, 2 do take((i + 1) / 2, got[i + 1], got[i]) end
  out[1] = redis.call('ZCARD', KEYS[1])
else
  for i = 1, n do
    local v
    if kind == 'fifo' then v = redis.call('RPOP', KEYS[1]) else v = redis.call('LPOP', KEYS[1]) end
    if not v then break end
    take(i, '0', v)
  end
  out[1] = redis.call('LLEN', KEYS[1])
end
return out
`;

/**
 * Renew this worker's lease, and return the requests of workers whose heartbeat expired to the
 * queue (their requeue count + 1). KEYS: queue, workers set, requeue-count hash. ARGV: kind,
 * lease-key prefix ('<queue key>:'), worker id, lease ms.
 * Returns { requests returned, queue length, requests leased by live workers }.
 * @internal
 */
export const REAP = `
local kind, prefix, self = ARGV[1], ARGV[2], ARGV[3]
redis.call('SADD', KEYS[2], self)
redis.call('SET', prefix .. 'worker:' .. self, '1', 'PX', ARGV[4])
local moved, leased = 0, 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local h = prefix .. 'processing:' .. w
  if w ~= self and redis.call('EXISTS', prefix .. 'worker:' .. w) == 0 then
    local all = redis.call('HGETALL', h)
    for i = 1, #all, 2 do
      local v = all[i + 1]
      local nl = string.find(v, '\\n', 1, true)
      local score, payload = string.sub(v, 1, nl - 1), string.sub(v, nl + 1)
      if kind == 'priority' then redis.call('ZADD', KEYS[1], score, payload)
      elseif kind == 'fifo' then redis.call('RPUSH', KEYS[1], payload)
      else redis.call('LPUSH', KEYS[1], payload) end
      redis.call('HINCRBY', KEYS[3], redis.sha1hex(payload), 1)
      moved = moved + 1
    end
    redis.call('DEL', h)
    redis.call('SREM', KEYS[2], w)
  else
    leased = leased + redis.call('HLEN', h)
  end
end
local len
if kind == 'priority' then len = redis.call('ZCARD', KEYS[1]) else len = redis.call('LLEN', KEYS[1]) end
return {moved, len, leased}
`;

/**
 * A closing worker gives back what it still holds (taken, never started) and leaves.
 * KEYS: queue, this worker's lease hash, workers set, heartbeat key. ARGV: kind, worker id.
 * Returns how many requests went back.
 * @internal
 */
export const RELEASE = `
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local v = all[i + 1]
  local nl = string.find(v, '\\n', 1, true)
  local score, payload = string.sub(v, 1, nl - 1), string.sub(v, nl + 1)
  if ARGV[1] == 'priority' then redis.call('ZADD', KEYS[1], score, payload)
  elseif ARGV[1] == 'fifo' then redis.call('RPUSH', KEYS[1], payload)
  else redis.call('LPUSH', KEYS[1], payload) end
end
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[2])
return #all / 2
`;
