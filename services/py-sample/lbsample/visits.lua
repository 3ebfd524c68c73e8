-- The TypeScript replica's INCREMENT_ONCE (services/app/src/routes/visits.ts), word for word.
-- KEYS: the session's visits hash, its idempotency record ('' without a key); ARGV: field, ttl.
if KEYS[2] == '' or redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], 'visits', 1)
  redis.call('HSET', KEYS[1], ARGV[1], '1')
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
