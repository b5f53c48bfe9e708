/**
 * The StreamKit server as a program: {@link io.streamkit.server.app.ServerMain} parses flags, {@code STREAMKIT_*}
 * environment variables and a {@code --config} file into the library's typed settings, installs the signal
 * handlers that drain on SIGTERM and SIGINT, and runs a {@code StreamKitServer}. Not a library: embedders use
 * {@code io.streamkit.server.StreamKitServer} directly.
 */
package io.streamkit.server.app;
