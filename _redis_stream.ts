// What a `RedisQueue` (redis_queue.ts) keeps on the server: the shape of a stream entry and the Lua scripts that
// change the stream in one atomic step.

/** A stream entry as XREADGROUP, XCLAIM and XRANGE reply it: its id and fields (null once deleted). */
export type Entry = [id: string, fields: string[] | null];

/**
 * Retry or dead-letter a job in one atomic step, guarded by its XACK: run twice (a retry after a lost reply), the
 * second run finds the job acknowledged and does nothing. The old entry stays until the stream is trimmed.
 * KEYS: the stream, the target stream (itself for a retry, the dead-letter stream). ARGV: group, id, fields….
 */
export const MOVE_SCRIPT = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return false end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call('XADD', KEYS[2], '*', unpack(fields))
`;

/**
 * putMany(): the batch's XADDs in one script — atomic (all or none), one command and one reply, where MULTI/EXEC
 * would cost a QUEUED reply per job. KEYS: the stream. ARGV: the jobs' JSON texts.
 */
export const PUT_MANY_SCRIPT = `
local ids = {}
for i = 1, #ARGV do ids[i] = redis.call('XADD', KEYS[1], '*', 'data', ARGV[i]) end
return ids
`;

/**
 * Trims the stream of the entries the group is done with: those before its first pending entry, or — nothing
 * pending — up to its last delivered one. (XDEL of each acknowledged entry would cost the server more than the
 * rest of the acknowledgement; XTRIM drops whole nodes.) KEYS: the stream. ARGV: the group.
 */
export const TRIM_SCRIPT = `
local first = redis.call('XPENDING', KEYS[1], ARGV[1])[2]
if not first then
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local name, last
    for i = 1, #group, 2 do
      if group[i] == 'name' then name = group[i + 1] elseif group[i] == 'last-delivered-id' then last = group[i + 1] end
    end
    if name == ARGV[1] and last then
      local ms, seq = string.match(last, '^(%d+)-(%d+)$')
      first = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
    end
  end
end
if first then return redis.call('XTRIM', KEYS[1], 'MINID', first) end
return 0
`;

/** A field of a stream entry ([name, value, name, value, …]). */
export function fieldValue(fields: string[] | null, name: string): string | undefined {
  if (fields === null) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** A reader of a stream entry's fields, or of a reply in the same form (XINFO). */
export function fieldReader(fields: string[]): (name: string) => string | undefined {
  return (name) => fieldValue(fields, name);
}
