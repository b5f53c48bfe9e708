/**
 * The Redis Streams broker, for several server instances that share topics through one Redis or a Redis Cluster.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.broker.redis.RedisBroker}: the one public type here; thread-safe, built with
 *       {@code RedisBroker.builder()}, given to {@code StreamKitServer.builder().broker(...)} and closed by its
 *       creator after the server that uses it.</li>
 * </ul>
 *
 * <p>Everything else in this package is implementation: where topics live and the connections to each node
 * ({@code RedisNodes}: one Redis, or {@code ClusterNodes} for Redis Cluster), the Lua scripts and key layout
 * ({@code Scripts}), the
 * group-committed publish path ({@code GroupCommit}), the per-instance reader ({@code TopicReader}) and the local
 * mirrors of topic history that its subscribers read ({@code Mirror}, a {@code TopicHistory} of the shared broker
 * core, read through its cursors). {@code docs/REDIS.md} describes it.
 */
package io.streamkit.server.broker.redis;
