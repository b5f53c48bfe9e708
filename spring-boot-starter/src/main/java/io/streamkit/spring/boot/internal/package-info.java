/**
 * Not API: helpers the StreamKit auto-configuration shares between its packages. May change in any release.
 */
package io.streamkit.spring.boot.internal;
