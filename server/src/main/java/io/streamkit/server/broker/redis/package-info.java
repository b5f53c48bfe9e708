/**
 * The Redis Streams broker: {@link io.streamkit.server.broker.redis.RedisBroker}, for several server instances
 * that share topics through one Redis. Everything else in this package is implementation: the Lua scripts and
 * key layout ({@code Scripts}), the group-committed publish path ({@code GroupCommit}), the per-instance reader
 * ({@code TopicReader}) and the local mirrors of topic history that its subscribers read ({@code Mirror}, a
 * {@code TopicHistory} of the shared broker core, read through its cursors). See {@code docs/REDIS.md}.
 */
package io.streamkit.server.broker.redis;
