/**
 * The StreamKit client in a Spring Boot application: a {@link io.streamkit.client.StreamKitClient} bean built from
 * the {@code streamkit.client.*} properties ({@link io.streamkit.spring.boot.client.StreamKitClientProperties}) and
 * any {@link io.streamkit.spring.boot.client.StreamKitClientCustomizer} beans, closed with the application context.
 */
package io.streamkit.spring.boot.client;
