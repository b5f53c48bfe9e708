/**
 * Not API: loading handler and security plug-ins with {@link java.util.ServiceLoader}, from the class path or a
 * {@code --plugins} folder of jars. Anything here may change without notice.
 */
package io.streamkit.server.internal.plugins;
