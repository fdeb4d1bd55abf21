//! One TLS provider for the whole process: rustls with ring. The HTTP clients (object storage, CMS's API,
//! the tests' own) are built on reqwest without a provider of their own, so the process installs ring
//! once before the first is built; aws-lc-rs, rustls's default, would compile a C library for about a
//! minute of every cold build.

/// Installs ring as the process's rustls provider; calling it again (or after another install) is harmless.
pub fn use_ring() {
    // An error only says a provider is already installed, which is what is wanted.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
