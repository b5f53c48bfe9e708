/**
 * The Redis Streams broker, for several server instances that share topics through one Redis.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.broker.redis.RedisBroker}: the one public type here; thread-safe, built with
 *       {@code RedisBroker.builder()}, given to {@code StreamKitServer.builder().broker(...)} and closed by its
 *       creator after the server that uses it.</li>
 * </ul>
 *
 * <p>Everything else in this package is implementation (the scripts and key layout, the per-instance reader and
 * its local copy of each topic's history); {@code docs/REDIS.md} describes it.
 */
package io.streamkit.server.broker.redis;
