package dev.hellostack.server;

/** State shared by all server instances: whether shutdown has begun. */
final class ServerState {
  private volatile boolean draining;

  boolean draining() {
    return draining;
  }

  void startDraining() {
    draining = true;
  }
}
