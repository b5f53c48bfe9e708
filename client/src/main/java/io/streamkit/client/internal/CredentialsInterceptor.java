package io.streamkit.client.internal;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/** Gives every call the client's credentials, unless the call brought its own. Thread-safe. */
public final class CredentialsInterceptor implements ClientInterceptor {
  private final CallCredentials credentials;

  public CredentialsInterceptor(CallCredentials credentials) {
    this.credentials = credentials;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return next.newCall(method,
        callOptions.getCredentials() == null ? callOptions.withCallCredentials(credentials) : callOptions);
  }
}
