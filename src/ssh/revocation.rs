//! Revocation files for `-Y verify -r FILE`: OpenSSH key revocation lists
//! (KRLs) and plain lists of public keys.
//!
//! OpenSSH (`authfile.c: sshkey_check_revoked`) first reads the file as a
//! binary KRL (format: OpenSSH `PROTOCOL.krl`); only when the file does not
//! start with the KRL magic `SSHKRL\n\0` is it read as a flat list of public
//! keys, one `keytype base64 [comment]` per line. [`RevocationList::parse`]
//! makes the same choice, and the two query methods answer the way
//! `krl.c: ssh_krl_check_key` and `authfile.c: sshkey_in_file` do.
//!
//! Everything in the file is untrusted: lengths are checked against the bytes
//! actually present before anything is sliced or allocated, serial bitmaps
//! are kept as the (bounded) bytes found in the file and tested
//! arithmetically, and every structural problem is an error rather than a
//! silently skipped section (only non-critical extensions, which by
//! definition change nothing, are skipped), so a damaged file can never
//! revoke *less* than its author meant without saying so.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use ssh_key::public::KeyData;
use ssh_key::{Certificate, PublicKey};

/// First eight bytes of every KRL (`KRL_MAGIC` in PROTOCOL.krl).
const KRL_MAGIC: &[u8; 8] = b"SSHKRL\n\0";
/// The only KRL format version that exists.
const KRL_FORMAT_VERSION: u32 = 1;

const SECTION_CERTIFICATES: u8 = 1;
const SECTION_EXPLICIT_KEY: u8 = 2;
const SECTION_FINGERPRINT_SHA1: u8 = 3;
const SECTION_SIGNATURE: u8 = 4;
const SECTION_FINGERPRINT_SHA256: u8 = 5;
const SECTION_EXTENSION: u8 = 255;

const CERT_SERIAL_LIST: u8 = 0x20;
const CERT_SERIAL_RANGE: u8 = 0x21;
const CERT_SERIAL_BITMAP: u8 = 0x22;
const CERT_KEY_ID: u8 = 0x23;
const CERT_EXTENSION: u8 = 0x39;

/// OpenSSH reads the bitmap with `sshbuf_get_bignum2_bytes_direct`, which
/// caps an mpint at `SSHBUF_MAX_BIGNUM` (2048 bytes, i.e. 16384 serials) plus
/// one leading zero byte for the sign. Keeping the same cap means a bitmap
/// we accept is one OpenSSH accepts, and bounds what we store.
const MAX_BITMAP_BYTES: usize = 2048;

/// Suffix of every OpenSSH certificate key type name.
const CERT_TYPE_SUFFIX: &str = "-cert-v01@openssh.com";

/// OpenSSH refuses RSA keys outside these sizes (`sshkey_check_rsa_length`
/// and `SSHBUF_MAX_BIGNUM`), so a KRL naming such a CA is invalid there.
const RSA_MIN_BITS: usize = 1024;
const RSA_MAX_BITS: usize = 16384;

/// Why a revocation file could not be used.
///
/// A revocation file that cannot be read must make verification fail (as it
/// does in OpenSSH), so callers should treat every variant as "reject the
/// signature".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// A line of a plain key list (a file without the KRL magic) is not a
    /// public key. OpenSSH fails the whole check on such a line too.
    #[error("revocation list line {line}: {reason}")]
    BadKeyLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A field of the KRL runs past the end of the data that encloses it.
    #[error("truncated krl: {what} at byte {offset} runs past the end of its data")]
    Truncated {
        /// Which field was being read.
        what: &'static str,
        /// Byte offset of that field in the file.
        offset: usize,
    },
    /// The KRL header names a format version other than 1.
    #[error("unsupported krl format version {0} (only version 1 exists)")]
    UnsupportedFormatVersion(u32),
    /// A top-level section type that PROTOCOL.krl does not define.
    #[error("unknown krl section type {0}")]
    UnknownSection(u8),
    /// A certificate subsection type that PROTOCOL.krl does not define.
    #[error("unknown krl certificate subsection type {0:#04x}")]
    UnknownCertSubsection(u8),
    /// The KRL carries a signature section. OpenSSH 9.4 and later refuse
    /// signed KRLs, and checking the signature would need a trusted key that
    /// `-Y verify` has no way to name.
    #[error("krl is signed: krl signature sections are not supported")]
    SignedKrl,
    /// A serial range whose lower end is above its upper end.
    #[error("bad krl serial range {lo}-{hi}: the lower bound is above the upper bound")]
    BadSerialRange {
        /// Lower bound as found in the file.
        lo: u64,
        /// Upper bound as found in the file.
        hi: u64,
    },
    /// A serial list, range or bitmap that revokes serial 0, which OpenSSH
    /// reserves for certificates issued without a serial and refuses to
    /// revoke.
    #[error("krl revokes certificate serial 0, which cannot be revoked")]
    ZeroSerial,
    /// A serial bitmap OpenSSH would refuse (negative, too large, or running
    /// past the largest serial).
    #[error("bad krl serial bitmap: {0}")]
    BadSerialBitmap(&'static str),
    /// A section or field holds bytes after its last element.
    #[error("krl {what} has {len} bytes of trailing data")]
    TrailingData {
        /// Which section or field.
        what: &'static str,
        /// Number of unparsed bytes.
        len: usize,
    },
    /// A fingerprint section holds a hash of the wrong length.
    #[error("krl {what} fingerprint is {len} bytes long, expected {expected}")]
    BadFingerprintLength {
        /// `sha1` or `sha256`.
        what: &'static str,
        /// Length found.
        len: usize,
        /// Length of that hash.
        expected: usize,
    },
    /// A text field (comment, key id, extension name) contains a NUL byte,
    /// which OpenSSH refuses.
    #[error("krl {0} contains a nul byte")]
    NulInString(&'static str),
    /// The CA key of a certificate section is not a usable public key.
    #[error("bad ca key in krl certificate section: {0}")]
    BadCaKey(String),
    /// Bytes given as a certificate are not an OpenSSH certificate.
    #[error("bad certificate: {0}")]
    BadCertificate(String),
    /// An extension section marked critical: its meaning is unknown, so the
    /// list cannot be applied safely (this is what newer OpenSSH does).
    #[error("krl has an unsupported critical extension {0:?}")]
    CriticalExtension(String),
}

impl RevocationError {
    /// A stable name for tests and machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            RevocationError::BadKeyLine { .. } => "bad-key-line",
            RevocationError::Truncated { .. } => "truncated",
            RevocationError::UnsupportedFormatVersion(_) => "format-version",
            RevocationError::UnknownSection(_) => "unknown-section",
            RevocationError::UnknownCertSubsection(_) => "unknown-cert-subsection",
            RevocationError::SignedKrl => "signed-krl",
            RevocationError::BadSerialRange { .. } => "bad-serial-range",
            RevocationError::ZeroSerial => "zero-serial",
            RevocationError::BadSerialBitmap(_) => "bad-serial-bitmap",
            RevocationError::TrailingData { .. } => "trailing-data",
            RevocationError::BadFingerprintLength { .. } => "bad-fingerprint-length",
            RevocationError::NulInString(_) => "nul-in-string",
            RevocationError::BadCaKey(_) => "bad-ca-key",
            RevocationError::BadCertificate(_) => "bad-certificate",
            RevocationError::CriticalExtension(_) => "critical-extension",
        }
    }
}

/// A parsed revocation file: either an OpenSSH KRL or a plain list of keys.
///
/// Build it with [`RevocationList::parse`], then ask
/// [`RevocationList::is_key_revoked`] for a plain signing key, and
/// [`RevocationList::is_certificate_revoked`] or
/// [`RevocationList::is_certificate_blob_revoked`] for a certificate.
#[derive(Debug, Clone)]
pub struct RevocationList {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    Krl(Krl),
    /// Plain keys of the lines of a flat list (a certificate line counts as
    /// its plain key, as OpenSSH compares with `sshkey_equal_public`).
    KeyList(Vec<KeyData>),
}

/// The content of a KRL that matters for checking keys. Entries are kept in
/// file order and searched linearly: a verification asks one question, and
/// every entry costs at least four bytes of input, so memory and time stay
/// proportional to the file.
#[derive(Debug, Clone, Default)]
struct Krl {
    /// Plain public key blobs, compared byte for byte as OpenSSH does; they
    /// are not parsed (OpenSSH does not parse them either).
    explicit_keys: Vec<Vec<u8>>,
    sha1: Vec<[u8; 20]>,
    sha256: Vec<[u8; 32]>,
    certs: Vec<CertSection>,
}

/// Which certificates a certificate section applies to.
#[derive(Debug, Clone)]
enum CaScope {
    /// Empty CA key: certificates from any CA.
    AnyCa,
    /// Certificates signed by this key.
    Ca(KeyData),
    /// The "CA key" is itself a certificate. OpenSSH parses it but compares
    /// it with `sshkey_equal`, which never equals a plain signature key, so
    /// the section never matches anything.
    Never,
}

#[derive(Debug, Clone)]
struct CertSection {
    scope: CaScope,
    /// Inclusive ranges; a listed serial is a range of one.
    serial_ranges: Vec<(u64, u64)>,
    bitmaps: Vec<SerialBitmap>,
    key_ids: Vec<Vec<u8>>,
}

/// A serial bitmap as found in the file: bit `i` (counted from the least
/// significant bit of the last byte) revokes serial `offset + i`.
#[derive(Debug, Clone)]
struct SerialBitmap {
    offset: u64,
    /// Big-endian, leading zero bytes removed, at most [`MAX_BITMAP_BYTES`].
    bits: Vec<u8>,
}

impl SerialBitmap {
    fn contains(&self, serial: u64) -> bool {
        let Some(index) = serial.checked_sub(self.offset) else {
            return false;
        };
        let Ok(byte_from_end) = usize::try_from(index / 8) else {
            return false;
        };
        let Some(pos) = self.bits.len().checked_sub(byte_from_end.saturating_add(1)) else {
            return false;
        };
        self.bits
            .get(pos)
            .is_some_and(|byte| (byte >> (index % 8)) & 1 == 1)
    }
}

impl CertSection {
    /// `krl.c: is_cert_revoked`: key id first, then the serial, skipping
    /// serial 0 (what a CA issues when given no serial).
    fn revokes(&self, serial: u64, key_id: &[u8]) -> bool {
        if self.key_ids.iter().any(|id| id == key_id) {
            return true;
        }
        if serial == 0 {
            return false;
        }
        self.serial_ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&serial))
            || self.bitmaps.iter().any(|bitmap| bitmap.contains(serial))
    }

    fn applies_to(&self, ca_key: &KeyData) -> bool {
        match &self.scope {
            CaScope::AnyCa => true,
            CaScope::Ca(ca) => ca == ca_key,
            CaScope::Never => false,
        }
    }
}

impl Krl {
    /// `krl.c: is_key_revoked` for a plain key: SHA1 and SHA256 of its blob,
    /// then the blob itself.
    fn plain_key_revoked(&self, key: &KeyData) -> bool {
        // ssh-key encodes a key blob only through `PublicKey`.
        let Ok(blob) = PublicKey::from(key.clone()).to_bytes() else {
            // A key we cannot encode cannot be cleared either; fail closed.
            return true;
        };
        let sha1: [u8; 20] = Sha1::digest(&blob).into();
        let sha256: [u8; 32] = Sha256::digest(&blob).into();
        self.sha1.contains(&sha1)
            || self.sha256.contains(&sha256)
            || self.explicit_keys.contains(&blob)
    }
}

impl RevocationList {
    /// Parses a revocation file: a KRL if it starts with `SSHKRL\n\0`,
    /// otherwise a list of public keys, one per line (`#` comments and blank
    /// lines are ignored).
    ///
    /// An empty file is an empty key list, as in OpenSSH.
    pub fn parse(bytes: &[u8]) -> Result<Self, RevocationError> {
        let inner = if bytes.starts_with(KRL_MAGIC) {
            Inner::Krl(parse_krl(bytes)?)
        } else {
            Inner::KeyList(parse_key_list(bytes)?)
        };
        Ok(Self { inner })
    }

    /// True if this plain key is revoked: listed explicitly, by its SHA1 or
    /// SHA256 fingerprint, or (for a flat list) named on a line.
    ///
    /// Certificate sections of a KRL never apply to a plain key; use
    /// [`RevocationList::is_certificate_revoked`] for certificates.
    pub fn is_key_revoked(&self, key: &KeyData) -> bool {
        match &self.inner {
            Inner::Krl(krl) => krl.plain_key_revoked(key),
            Inner::KeyList(keys) => keys.contains(key),
        }
    }

    /// True if this certificate is revoked: by its serial or key id under
    /// its CA (or under the any-CA section), or because its own plain key or
    /// its CA key is revoked.
    ///
    /// This is the order of `krl.c: ssh_krl_check_key`; for a flat list it
    /// is `sshkey_in_file` with CA checking on (a listed CA key revokes every
    /// certificate it signed).
    pub fn is_certificate_revoked(&self, cert: &Certificate) -> bool {
        self.is_cert_fields_revoked(
            cert.public_key(),
            cert.signature_key(),
            cert.serial(),
            cert.key_id().as_bytes(),
        )
    }

    /// [`RevocationList::is_certificate_revoked`] for a certificate as the SSHSIG verifier
    /// decoded it (with its CA signature already checked).
    pub fn is_signer_certificate_revoked(&self, cert: &super::certificate::SshCertificate) -> bool {
        self.is_cert_fields_revoked(&cert.key, &cert.ca_key, cert.serial, cert.key_id.as_bytes())
    }

    /// [`RevocationList::is_certificate_revoked`] for a certificate given
    /// as its wire encoding (the blob inside an SSHSIG signature, or the
    /// base64 of a `-cert.pub` line).
    ///
    /// ssh-key 0.6.7 cannot build a [`Certificate`] whose `valid_before` is
    /// "forever" (2^64-1), which is what `ssh-keygen -s` issues when given
    /// no `-V`; this reads the few fields revocation needs itself, so it
    /// works for those too. The certificate's signature is not checked here.
    pub fn is_certificate_blob_revoked(&self, blob: &[u8]) -> Result<bool, RevocationError> {
        let cert = parse_cert_blob(blob).map_err(RevocationError::BadCertificate)?;
        Ok(self.is_cert_fields_revoked(&cert.key, &cert.ca_key, cert.serial, &cert.key_id))
    }

    fn is_cert_fields_revoked(
        &self,
        key: &KeyData,
        ca_key: &KeyData,
        serial: u64,
        key_id: &[u8],
    ) -> bool {
        match &self.inner {
            Inner::Krl(krl) => {
                krl.plain_key_revoked(key)
                    || krl.certs.iter().any(|section| {
                        section.applies_to(ca_key) && section.revokes(serial, key_id)
                    })
                    || krl.plain_key_revoked(ca_key)
            }
            Inner::KeyList(keys) => keys.contains(key) || keys.contains(ca_key),
        }
    }
}

/// A bounds-checked reader over one level of SSH wire data. It hands out
/// sub-slices of the input and never allocates from a length field.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the whole file, for error messages.
    base: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], RevocationError> {
        let slice = self
            .data
            .get(self.pos..)
            .and_then(|rest| rest.get(..len))
            .ok_or(RevocationError::Truncated {
                what,
                offset: self.base + self.pos,
            })?;
        self.pos += len;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], RevocationError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, RevocationError> {
        self.array(what).map(u8::from_be_bytes)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, RevocationError> {
        self.array(what).map(u32::from_be_bytes)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, RevocationError> {
        self.array(what).map(u64::from_be_bytes)
    }

    /// A `string`: uint32 length, then that many bytes (which must be there).
    fn string(&mut self, what: &'static str) -> Result<&'a [u8], RevocationError> {
        // Report the offset of the length field, not of the missing bytes.
        let truncated = RevocationError::Truncated {
            what,
            offset: self.base + self.pos,
        };
        let len = self.u32(what)?;
        match usize::try_from(len) {
            Ok(len) => self.take(len, what).map_err(|_| truncated),
            Err(_) => Err(truncated),
        }
    }

    /// A `string` that OpenSSH reads with `sshbuf_get_cstring`: no NUL bytes.
    fn cstring(&mut self, what: &'static str) -> Result<&'a [u8], RevocationError> {
        let text = self.string(what)?;
        if text.contains(&0) {
            return Err(RevocationError::NulInString(what));
        }
        Ok(text)
    }

    /// A `string` whose content is itself structured: a cursor over it.
    fn nested(&mut self, what: &'static str) -> Result<Cursor<'a>, RevocationError> {
        let body = self.string(what)?;
        Ok(Cursor::new(body, self.base + self.pos - body.len()))
    }

    fn finish(&self, what: &'static str) -> Result<(), RevocationError> {
        match self.data.len().saturating_sub(self.pos) {
            0 => Ok(()),
            len => Err(RevocationError::TrailingData { what, len }),
        }
    }
}

/// `krl.c: ssh_krl_from_blob`, minus signatures.
fn parse_krl(bytes: &[u8]) -> Result<Krl, RevocationError> {
    let mut cur = Cursor::new(bytes, 0);
    cur.take(KRL_MAGIC.len(), "magic")?;
    let version = cur.u32("format version")?;
    if version != KRL_FORMAT_VERSION {
        return Err(RevocationError::UnsupportedFormatVersion(version));
    }
    cur.u64("krl version")?;
    cur.u64("generated date")?;
    cur.u64("flags")?;
    cur.string("header reserved field")?;
    cur.cstring("comment")?;

    let mut krl = Krl::default();
    while !cur.is_empty() {
        let kind = cur.u8("section type")?;
        let mut section = cur.nested("section")?;
        match kind {
            SECTION_CERTIFICATES => krl.certs.push(parse_cert_section(&mut section)?),
            SECTION_EXPLICIT_KEY => {
                while !section.is_empty() {
                    krl.explicit_keys
                        .push(section.string("explicit key")?.to_vec());
                }
            }
            SECTION_FINGERPRINT_SHA1 => {
                while !section.is_empty() {
                    krl.sha1.push(fingerprint(&mut section, "sha1")?);
                }
            }
            SECTION_FINGERPRINT_SHA256 => {
                while !section.is_empty() {
                    krl.sha256.push(fingerprint(&mut section, "sha256")?);
                }
            }
            SECTION_SIGNATURE => return Err(RevocationError::SignedKrl),
            SECTION_EXTENSION => parse_extension(&mut section)?,
            other => return Err(RevocationError::UnknownSection(other)),
        }
        section.finish("section")?;
    }
    Ok(krl)
}

/// One entry of a fingerprint section: a `string` of exactly `N` bytes.
fn fingerprint<const N: usize>(
    section: &mut Cursor<'_>,
    what: &'static str,
) -> Result<[u8; N], RevocationError> {
    let hash = section.string(what)?;
    hash.try_into()
        .map_err(|_| RevocationError::BadFingerprintLength {
            what,
            len: hash.len(),
            expected: N,
        })
}

/// An extension (top-level section 255 or certificate subsection 0x39):
/// `string name, bool critical, string value`. PROTOCOL.krl in OpenSSH after
/// 9.2 lets readers skip non-critical extensions and requires them to refuse
/// critical ones; we follow that (9.2 itself refuses both).
fn parse_extension(section: &mut Cursor<'_>) -> Result<(), RevocationError> {
    let name = section.cstring("extension name")?;
    let critical = section.u8("extension critical flag")?;
    section.string("extension value")?;
    if critical != 0 {
        return Err(RevocationError::CriticalExtension(
            String::from_utf8_lossy(name).into_owned(),
        ));
    }
    Ok(())
}

/// `krl.c: parse_revoked_certs`.
fn parse_cert_section(section: &mut Cursor<'_>) -> Result<CertSection, RevocationError> {
    let ca_blob = section.string("certificate section ca key")?;
    section.string("certificate section reserved field")?;
    let mut out = CertSection {
        scope: if ca_blob.is_empty() {
            CaScope::AnyCa
        } else {
            parse_ca_key(ca_blob)?
        },
        serial_ranges: Vec::new(),
        bitmaps: Vec::new(),
        key_ids: Vec::new(),
    };

    while !section.is_empty() {
        let kind = section.u8("certificate subsection type")?;
        let mut sub = section.nested("certificate subsection")?;
        match kind {
            CERT_SERIAL_LIST => {
                while !sub.is_empty() {
                    let serial = sub.u64("serial")?;
                    out.serial_ranges.push(serial_range(serial, serial)?);
                }
            }
            CERT_SERIAL_RANGE => {
                let lo = sub.u64("serial range minimum")?;
                let hi = sub.u64("serial range maximum")?;
                out.serial_ranges.push(serial_range(lo, hi)?);
            }
            CERT_SERIAL_BITMAP => {
                let offset = sub.u64("serial bitmap offset")?;
                let bits = sub.string("serial bitmap")?;
                if let Some(bitmap) = serial_bitmap(offset, bits)? {
                    out.bitmaps.push(bitmap);
                }
            }
            CERT_KEY_ID => {
                while !sub.is_empty() {
                    out.key_ids.push(sub.cstring("key id")?.to_vec());
                }
            }
            CERT_EXTENSION => parse_extension(&mut sub)?,
            other => return Err(RevocationError::UnknownCertSubsection(other)),
        }
        sub.finish("certificate subsection")?;
    }
    Ok(out)
}

/// `ssh_krl_revoke_cert_by_serial_range`'s checks: serial 0 and inverted
/// ranges are refused.
fn serial_range(lo: u64, hi: u64) -> Result<(u64, u64), RevocationError> {
    if lo > hi {
        return Err(RevocationError::BadSerialRange { lo, hi });
    }
    if lo == 0 {
        return Err(RevocationError::ZeroSerial);
    }
    Ok((lo, hi))
}

/// Validates a serial bitmap the way OpenSSH reads it (an mpint of at most
/// 16384 bits) and keeps its bytes; `None` if it revokes nothing.
fn serial_bitmap(offset: u64, raw: &[u8]) -> Result<Option<SerialBitmap>, RevocationError> {
    if raw.first().is_some_and(|&b| b & 0x80 != 0) {
        return Err(RevocationError::BadSerialBitmap("negative mpint"));
    }
    if raw.len() > MAX_BITMAP_BYTES + 1
        || (raw.len() == MAX_BITMAP_BYTES + 1 && raw.first() != Some(&0))
    {
        return Err(RevocationError::BadSerialBitmap("larger than 16384 bits"));
    }
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    let bits = &raw[start..];
    if bits.is_empty() {
        return Ok(None);
    }
    // OpenSSH walks every bit position up to the highest set one and fails
    // if `offset + position` wraps, whether or not that bit is set. The
    // bitmap is at most 16384 bits, so the conversion cannot fail.
    let top_bit = u64::try_from(bit_length(bits) - 1).unwrap_or(u64::MAX);
    if offset.checked_add(top_bit).is_none() {
        return Err(RevocationError::BadSerialBitmap(
            "runs past the largest serial",
        ));
    }
    let bitmap = SerialBitmap {
        offset,
        bits: bits.to_vec(),
    };
    if offset == 0 && bitmap.contains(0) {
        return Err(RevocationError::ZeroSerial);
    }
    Ok(Some(bitmap))
}

/// The CA key of a certificate section: a public key blob with nothing
/// after it, of a type OpenSSH knows.
fn parse_ca_key(blob: &[u8]) -> Result<CaScope, RevocationError> {
    let key_type = Cursor::new(blob, 0).string("certificate section ca key type")?;
    if key_type.ends_with(CERT_TYPE_SUFFIX.as_bytes()) {
        // A certificate is a legal (if useless) CA key for OpenSSH.
        parse_cert_blob(blob).map_err(RevocationError::BadCaKey)?;
        return Ok(CaScope::Never);
    }
    let key = decode_key_blob(blob).map_err(RevocationError::BadCaKey)?;
    if let KeyData::Rsa(rsa) = &key {
        let bits = rsa.n.as_positive_bytes().map_or(0, bit_length);
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(RevocationError::BadCaKey(format!(
                "rsa key of {bits} bits is outside {RSA_MIN_BITS}..={RSA_MAX_BITS}"
            )));
        }
    }
    Ok(CaScope::Ca(key))
}

/// Decodes a plain public key blob as strictly as OpenSSH's
/// `sshkey_from_blob`. ssh-key alone accepts some malformed blobs (an
/// Ed25519 key whose length prefix claims more than 32 bytes, for one), so
/// the blob must also be exactly the encoding of what was decoded; that
/// also refuses trailing data.
fn decode_key_blob(blob: &[u8]) -> Result<KeyData, String> {
    let key = PublicKey::from_bytes(blob).map_err(|e| format!("bad public key: {e}"))?;
    if key.to_bytes().ok().as_deref() != Some(blob) {
        return Err("malformed public key encoding".into());
    }
    match key.key_data() {
        // ssh-key reads any `name@domain` type as an opaque key; OpenSSH
        // cannot parse such a key, so neither do we.
        KeyData::Other(opaque) => Err(format!(
            "unsupported key type {:?}",
            opaque.algorithm().as_str()
        )),
        key => Ok(key.clone()),
    }
}

/// What revocation needs from an OpenSSH certificate.
struct CertFields {
    /// Its type name, e.g. `ssh-ed25519-cert-v01@openssh.com`.
    cert_type: Vec<u8>,
    /// The certified plain key.
    key: KeyData,
    serial: u64,
    key_id: Vec<u8>,
    /// The key that signed the certificate.
    ca_key: KeyData,
}

/// Reads a certificate blob (PROTOCOL.certkeys) as strictly as OpenSSH's
/// `cert_parse`, except for the signature, which is not verified.
///
/// ssh-key's `Certificate` is not used because it refuses the "forever"
/// validity that `ssh-keygen -s` writes by default. The certified key is
/// rebuilt as a plain key blob (its type, then the same public fields) and
/// decoded strictly.
fn parse_cert_blob(blob: &[u8]) -> Result<CertFields, String> {
    let text = |e: RevocationError| e.to_string();
    let mut cur = Cursor::new(blob, 0);
    let cert_type = cur.string("certificate type").map_err(text)?;
    // Plain type, and how many `string`/`mpint` public fields follow the
    // nonce for it.
    let (plain_type, fields): (&[u8], usize) = match cert_type {
        b"ssh-rsa-cert-v01@openssh.com" => (b"ssh-rsa", 2),
        b"ssh-dss-cert-v01@openssh.com" => (b"ssh-dss", 4),
        b"ecdsa-sha2-nistp256-cert-v01@openssh.com" => (b"ecdsa-sha2-nistp256", 2),
        b"ecdsa-sha2-nistp384-cert-v01@openssh.com" => (b"ecdsa-sha2-nistp384", 2),
        b"ecdsa-sha2-nistp521-cert-v01@openssh.com" => (b"ecdsa-sha2-nistp521", 2),
        b"ssh-ed25519-cert-v01@openssh.com" => (b"ssh-ed25519", 1),
        b"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com" => {
            (b"sk-ecdsa-sha2-nistp256@openssh.com", 3)
        }
        b"sk-ssh-ed25519-cert-v01@openssh.com" => (b"sk-ssh-ed25519@openssh.com", 2),
        other => {
            return Err(format!(
                "unsupported certificate type {:?}",
                String::from_utf8_lossy(other)
            ));
        }
    };
    cur.string("certificate nonce").map_err(text)?;
    let fields_start = cur.pos;
    for _ in 0..fields {
        cur.string("certificate public key field").map_err(text)?;
    }
    let mut plain = Vec::with_capacity(4 + plain_type.len() + cur.pos - fields_start);
    // The type names above are a few dozen bytes: the cast is exact.
    plain.extend((plain_type.len() as u32).to_be_bytes());
    plain.extend(plain_type);
    plain.extend(&blob[fields_start..cur.pos]);
    let key = decode_key_blob(&plain)?;

    let serial = cur.u64("certificate serial").map_err(text)?;
    cur.u32("certificate kind").map_err(text)?;
    let key_id = cur.cstring("certificate key id").map_err(text)?.to_vec();
    cur.string("certificate principals").map_err(text)?;
    cur.u64("certificate valid after").map_err(text)?;
    cur.u64("certificate valid before").map_err(text)?;
    cur.string("certificate critical options").map_err(text)?;
    cur.string("certificate extensions").map_err(text)?;
    cur.string("certificate reserved field").map_err(text)?;
    let ca_blob = cur.string("certificate signature key").map_err(text)?;
    // A certificate-typed CA key is refused here as `sshkey_from_blob`
    // refuses it in `cert_parse` (decode_key_blob sees an unknown type).
    let ca_key = decode_key_blob(ca_blob)?;
    cur.string("certificate signature").map_err(text)?;
    cur.finish("certificate").map_err(text)?;
    Ok(CertFields {
        cert_type: cert_type.to_vec(),
        key,
        serial,
        key_id,
        ca_key,
    })
}

/// Bits in a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    match bytes.get(start) {
        Some(&top) => (bytes.len() - start - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

/// `authfile.c: sshkey_in_file` over the whole file: every non-comment line
/// must be a public key.
///
/// OpenSSH reads lines only until one names the key being checked, so a bad
/// line after that one goes unnoticed there; here it fails the whole file.
/// The outcome is the same (the signature is rejected either way), and a
/// broken file is reported whatever key is checked.
fn parse_key_list(bytes: &[u8]) -> Result<Vec<KeyData>, RevocationError> {
    let mut keys = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        // OpenSSH handles each line as a C string: a NUL ends it.
        let line = match raw.iter().position(|&b| b == 0) {
            Some(nul) => &raw[..nul],
            None => raw,
        };
        let line = trim_blanks(line);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let key = parse_key_line(line).map_err(|reason| RevocationError::BadKeyLine {
            line: index + 1,
            reason,
        })?;
        keys.push(key);
    }
    Ok(keys)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_blanks(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_blank(b)).unwrap_or(s.len());
    &s[start..]
}

/// `sshkey_read`: `keytype base64 [comment]`, the type naming the blob's
/// own type exactly. A certificate line stands for its plain key.
fn parse_key_line(line: &[u8]) -> Result<KeyData, String> {
    let type_end = line
        .iter()
        .position(|&b| is_blank(b))
        .ok_or("missing key data after the key type")?;
    let key_type = std::str::from_utf8(&line[..type_end])
        .map_err(|_| "key type is not valid utf-8".to_string())?;
    let rest = trim_blanks(&line[type_end..]);
    let b64_end = rest.iter().position(|&b| is_blank(b)).unwrap_or(rest.len());
    if b64_end == 0 {
        return Err("missing key data after the key type".into());
    }
    // OpenSSH's base64 decoder skips any whitespace inside the token; the
    // only kinds that can be there are CR (CRLF files), VT and FF.
    let b64: Vec<u8> = rest[..b64_end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != 0x0b)
        .collect();
    let blob = std::str::from_utf8(&b64)
        .ok()
        .and_then(|text| {
            use base64ct::Encoding as _;
            base64ct::Base64::decode_vec(text).ok()
        })
        .ok_or("key data is not valid base64")?;

    if key_type.ends_with(CERT_TYPE_SUFFIX) {
        // The CA signature is not checked: the line revokes the certificate's
        // plain key whoever signed it.
        let cert = parse_cert_blob(&blob)?;
        if cert.cert_type != key_type.as_bytes() {
            return Err(format!(
                "key type {key_type:?} does not match the certificate ({:?})",
                String::from_utf8_lossy(&cert.cert_type)
            ));
        }
        return Ok(cert.key);
    }

    let key = decode_key_blob(&blob)?;
    let actual = key.algorithm();
    if actual.as_str() != key_type {
        return Err(format!(
            "key type {key_type:?} does not match the key data ({:?})",
            actual.as_str()
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    //! OpenSSH's own `ssh-keygen` builds every KRL here and is the oracle for
    //! every verdict: `-Q` for KRLs, `-Y verify -r` for flat key lists.

    use super::*;
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    const INSTALL_HINT: &str =
        "these tests use OpenSSH's ssh-keygen as their oracle: apt-get install openssh-client";

    fn run_keygen(dir: &Path, args: &[&str], stdin: Option<&Path>) -> Output {
        let stdin = match stdin {
            Some(path) => Stdio::from(fs::File::open(path).expect("open stdin file")),
            None => Stdio::null(),
        };
        match Command::new("ssh-keygen")
            .args(args)
            .current_dir(dir)
            .stdin(stdin)
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("ssh-keygen not found; {INSTALL_HINT}")
            }
            Err(e) => panic!("cannot run ssh-keygen ({e}); {INSTALL_HINT}"),
        }
    }

    /// A temporary directory of keys, certificates and KRLs.
    struct Lab {
        dir: tempfile::TempDir,
    }

    impl Lab {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().expect("temp dir"),
            }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        fn run(&self, args: &[&str]) -> Output {
            let out = run_keygen(self.dir.path(), args, None);
            assert!(
                out.status.success(),
                "ssh-keygen {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out
        }

        fn write(&self, name: &str, bytes: &[u8]) {
            fs::write(self.path(name), bytes).expect("write lab file");
        }

        fn read(&self, name: &str) -> Vec<u8> {
            fs::read(self.path(name)).expect("read lab file")
        }

        /// A new key pair `name` / `name.pub`.
        fn key(&self, name: &str, kind: &str) -> KeyData {
            self.run(&["-q", "-t", kind, "-N", "", "-C", name, "-f", name]);
            self.public(&format!("{name}.pub"))
        }

        fn public(&self, file: &str) -> KeyData {
            PublicKey::read_openssh_file(&self.path(file))
                .expect("parse public key")
                .key_data()
                .clone()
        }

        fn certificate(&self, file: &str) -> Certificate {
            Certificate::read_file(&self.path(file)).expect("parse certificate")
        }

        /// `user`'s key certified by `ca`, valid until 2099; returns the
        /// certificate file, whose private key is copied beside it so that
        /// it can sign.
        fn cert(&self, ca: &str, user: &str, id: &str, serial: u64) -> String {
            // ssh-key 0.6.7 cannot parse the default "forever" certificates,
            // and these are also read through `is_certificate_revoked`.
            self.sign_cert(ca, user, id, serial, Some("always:20991231"))
        }

        /// Like [`Lab::cert`], with ssh-keygen's default "forever" validity.
        fn forever_cert(&self, ca: &str, user: &str, id: &str, serial: u64) -> String {
            self.sign_cert(ca, user, id, serial, None)
        }

        fn sign_cert(
            &self,
            ca: &str,
            user: &str,
            id: &str,
            serial: u64,
            validity: Option<&str>,
        ) -> String {
            let forever = if validity.is_none() { "-forever" } else { "" };
            let base = format!("{user}-by-{ca}-{id}-{serial}{forever}");
            fs::copy(self.path(user), self.path(&base)).expect("copy private key");
            fs::copy(
                self.path(&format!("{user}.pub")),
                self.path(&format!("{base}.pub")),
            )
            .expect("copy public key");
            let serial = serial.to_string();
            let public = format!("{base}.pub");
            let mut args = vec!["-q", "-s", ca, "-I", id, "-n", "alice", "-z", &serial];
            if let Some(validity) = validity {
                args.extend(["-V", validity]);
            }
            args.push(&public);
            self.run(&args);
            format!("{base}-cert.pub")
        }

        /// The binary blob of a `-cert.pub` file.
        fn cert_blob(&self, file: &str) -> Vec<u8> {
            use base64ct::Encoding as _;
            let text = self.contents(file);
            let b64 = text.split_whitespace().nth(1).expect("base64 field");
            base64ct::Base64::decode_vec(b64).expect("base64")
        }

        /// `ssh-keygen -k`: a KRL named `name` from a spec and key files.
        fn krl(&self, name: &str, ca: Option<&str>, spec: &str, files: &[&str]) -> Vec<u8> {
            let spec_file = format!("{name}.spec");
            let mut args = vec!["-k", "-f", name];
            if let Some(ca) = ca {
                args.extend(["-s", ca]);
            }
            if !spec.is_empty() {
                self.write(&spec_file, spec.as_bytes());
                args.push(&spec_file);
            }
            args.extend(files);
            self.run(&args);
            self.read(name)
        }

        fn contents(&self, file: &str) -> String {
            String::from_utf8(self.read(file)).expect("utf-8 key file")
        }

        /// Our verdict on a key or certificate file. Certificates go
        /// through the blob API and, when ssh-key can parse them, through
        /// `is_certificate_revoked` too; both must agree.
        fn ours(&self, list: &RevocationList, file: &str) -> bool {
            if !file.ends_with("-cert.pub") {
                return list.is_key_revoked(&self.public(file));
            }
            let verdict = list
                .is_certificate_blob_revoked(&self.cert_blob(file))
                .expect("ssh-keygen's certificate");
            if let Ok(cert) = Certificate::read_file(&self.path(file)) {
                assert_eq!(list.is_certificate_revoked(&cert), verdict, "{file}");
            } else {
                assert!(file.ends_with("-forever-cert.pub"), "cannot parse {file}");
            }
            verdict
        }

        /// `ssh-keygen -Q -f krl`: `None` if OpenSSH cannot load the KRL,
        /// else its verdict on each file.
        fn openssh_krl(&self, krl: &str, files: &[&str]) -> Option<Vec<bool>> {
            let mut args = vec!["-Q", "-f", krl];
            args.extend(files);
            let out = run_keygen(self.dir.path(), &args, None);
            match out.status.code() {
                Some(0 | 1) => {}
                Some(255) => return None,
                other => panic!(
                    "ssh-keygen -Q exited {other:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
            let stdout = String::from_utf8_lossy(&out.stdout);
            let verdicts: Vec<bool> = stdout
                .lines()
                .map(|line| line.ends_with(": REVOKED"))
                .collect();
            assert_eq!(verdicts.len(), files.len(), "ssh-keygen -Q said {stdout}");
            Some(verdicts)
        }

        /// Checks our verdict on every file against `ssh-keygen -Q` and
        /// returns the files we (and OpenSSH) consider revoked.
        fn agree_krl(&self, krl: &str, files: &[&str]) -> Vec<String> {
            let list = RevocationList::parse(&self.read(krl)).expect("parse ssh-keygen's krl");
            let theirs = self
                .openssh_krl(krl, files)
                .expect("ssh-keygen loads its own krl");
            let mut revoked = Vec::new();
            for (file, theirs) in files.iter().zip(theirs) {
                let ours = self.ours(&list, file);
                assert_eq!(
                    ours, theirs,
                    "{file} against {krl}: ours {ours}, openssh {theirs}"
                );
                if ours {
                    revoked.push((*file).to_string());
                }
            }
            revoked
        }

        /// OpenSSH's verdict on a revocation file: sign with `signer` (a
        /// private key, or a certificate whose private key is beside it) and
        /// run `-Y verify -r`. `Err` carries OpenSSH's complaint about an
        /// unreadable file.
        fn openssh_verify(&self, allowed: &str, list: &str, signer: &str) -> Result<bool, String> {
            let message = format!("message-{signer}");
            let signature = format!("{message}.sig");
            if !self.path(&signature).exists() {
                self.write(&message, b"checked against a revocation list\n");
                self.run(&["-q", "-Y", "sign", "-n", "git", "-f", signer, &message]);
            }
            let out = run_keygen(
                self.dir.path(),
                &[
                    "-vvv", "-Y", "verify", "-n", "git", "-f", allowed, "-I", "alice", "-s",
                    &signature, "-r", list,
                ],
                Some(&self.path(&message)),
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                return Ok(false);
            }
            let marker = "sshkey_check_revoked: ";
            match stderr.lines().find_map(|line| line.split_once(marker)) {
                Some((_, "Key is revoked")) => Ok(true),
                Some((_, reason)) => Err(reason.to_string()),
                None => panic!("-Y verify failed for another reason than revocation: {stderr}"),
            }
        }
    }

    fn assert_sorted_eq(mut got: Vec<String>, want: &[&str]) {
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_string()).collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn explicit_keys_and_fingerprints_agree_with_openssh() {
        let lab = Lab::new();
        for name in ["sha1key", "sha256key", "explicit", "hashed", "clean", "ca"] {
            lab.key(name, "ed25519");
        }
        lab.key("rsa", "rsa");
        lab.key("ecdsa", "ecdsa");
        lab.key("ecdsa_clean", "ecdsa");
        let hashed_fp = lab
            .public("hashed.pub")
            .fingerprint(ssh_key::HashAlg::Sha256);
        let spec = format!(
            "sha1: {}sha256: {}key: {}hash: {hashed_fp}\n",
            lab.contents("sha1key.pub"),
            lab.contents("sha256key.pub"),
            lab.contents("explicit.pub"),
        );
        lab.krl("keys.krl", None, &spec, &["rsa.pub", "ecdsa.pub"]);
        let list = RevocationList::parse(&lab.read("keys.krl")).expect("parse");
        let Inner::Krl(krl) = &list.inner else {
            panic!("ssh-keygen's output read as a key list")
        };
        // Each kind of section really is exercised.
        assert_eq!(
            (krl.sha1.len(), krl.sha256.len(), krl.explicit_keys.len()),
            (1, 2, 3)
        );

        let revoked_cert = lab.cert("ca", "sha1key", "someone", 7);
        let clean_cert = lab.cert("ca", "clean", "someone", 8);
        let files = [
            "sha1key.pub",
            "sha256key.pub",
            "explicit.pub",
            "hashed.pub",
            "rsa.pub",
            "ecdsa.pub",
            "clean.pub",
            "ecdsa_clean.pub",
            "ca.pub",
            &revoked_cert,
            &clean_cert,
        ];
        assert_sorted_eq(
            lab.agree_krl("keys.krl", &files),
            &[
                "sha1key.pub",
                "sha256key.pub",
                "explicit.pub",
                "hashed.pub",
                "rsa.pub",
                "ecdsa.pub",
                &revoked_cert,
            ],
        );
    }

    #[test]
    fn serial_bitmaps_and_key_ids_agree_with_openssh() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("other_ca", "ed25519");
        lab.key("user", "ed25519");
        // ssh-keygen packs these dense serials into bitmaps (0x22).
        let spec = "serial: 1-100\nserial: 105\nserial: 200\nserial: 202\nserial: 207\nid: badid\n";
        lab.krl("bitmap.krl", Some("ca.pub"), spec, &[]);
        let list = RevocationList::parse(&lab.read("bitmap.krl")).expect("parse");
        let Inner::Krl(krl) = &list.inner else {
            panic!("ssh-keygen's output read as a key list")
        };
        assert!(krl.certs.iter().all(|c| !c.bitmaps.is_empty()));
        assert!(krl.certs.iter().any(|c| !c.key_ids.is_empty()));

        let mut files = Vec::new();
        let mut want = Vec::new();
        for serial in [
            0, 1, 2, 50, 99, 100, 101, 104, 105, 106, 199, 200, 201, 202, 207, 208,
        ] {
            let revoked = matches!(serial, 1..=100 | 105 | 200 | 202 | 207);
            let cert = lab.cert("ca", "user", "goodid", serial);
            if revoked {
                want.push(cert.clone());
            }
            files.push(cert);
            files.push(lab.cert("other_ca", "user", "goodid", serial));
        }
        // Key ids are revoked whatever the serial, even 0; not under another CA.
        for serial in [0, 5, 1000] {
            let cert = lab.cert("ca", "user", "badid", serial);
            want.push(cert.clone());
            files.push(cert);
            files.push(lab.cert("other_ca", "user", "badid", serial));
        }
        files.push("user.pub".into());
        files.push("ca.pub".into());
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        assert_sorted_eq(lab.agree_krl("bitmap.krl", &files), &want);
    }

    #[test]
    fn serial_lists_and_ranges_agree_with_openssh() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("user", "ed25519");
        // Sparse serials: ssh-keygen writes a range (0x21) and a list (0x20).
        let spec =
            "serial: 1-100000\nserial: 5000000\nserial: 99999999\nserial: 18446744073709551615\n";
        lab.krl("ranges.krl", Some("ca.pub"), spec, &[]);
        let list = RevocationList::parse(&lab.read("ranges.krl")).expect("parse");
        let Inner::Krl(krl) = &list.inner else {
            panic!("ssh-keygen's output read as a key list")
        };
        let ranges: Vec<(u64, u64)> = krl
            .certs
            .iter()
            .flat_map(|c| c.serial_ranges.clone())
            .collect();
        assert!(ranges.contains(&(1, 100_000)), "{ranges:?}");
        assert!(ranges.contains(&(5_000_000, 5_000_000)), "{ranges:?}");

        let mut files = Vec::new();
        let mut want = Vec::new();
        for serial in [
            0,
            1,
            77_777,
            100_000,
            100_001,
            4_999_999,
            5_000_000,
            5_000_001,
            99_999_999,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let cert = lab.cert("ca", "user", "someone", serial);
            if matches!(serial, 1..=100_000 | 5_000_000 | 99_999_999 | u64::MAX) {
                want.push(cert.clone());
            }
            files.push(cert);
        }
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        assert_sorted_eq(lab.agree_krl("ranges.krl", &files), &want);
    }

    #[test]
    fn any_ca_section_agrees_with_openssh() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("ca2", "ed25519");
        lab.key("user", "ed25519");
        // `-s none` makes the wildcard-CA section (empty CA key).
        lab.krl("wild.krl", Some("none"), "id: wild\nserial: 5\n", &[]);
        let list = RevocationList::parse(&lab.read("wild.krl")).expect("parse");
        let Inner::Krl(krl) = &list.inner else {
            panic!("ssh-keygen's output read as a key list")
        };
        assert!(krl.certs.iter().all(|c| matches!(c.scope, CaScope::AnyCa)));

        let wild_1 = lab.cert("ca", "user", "wild", 0);
        let wild_2 = lab.cert("ca2", "user", "wild", 9);
        let five_1 = lab.cert("ca", "user", "tame", 5);
        let five_2 = lab.cert("ca2", "user", "tame", 5);
        let six = lab.cert("ca", "user", "tame", 6);
        let files = [
            &*wild_1, &wild_2, &five_1, &five_2, &six, "user.pub", "ca.pub",
        ];
        assert_sorted_eq(
            lab.agree_krl("wild.krl", &files),
            &[&wild_1, &wild_2, &five_1, &five_2],
        );
    }

    #[test]
    fn revoked_ca_key_revokes_its_certificates() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("hashed_ca", "ed25519");
        lab.key("good_ca", "ed25519");
        lab.key("user", "ed25519");
        let fp = lab
            .public("hashed_ca.pub")
            .fingerprint(ssh_key::HashAlg::Sha256);
        lab.krl("ca.krl", None, &format!("hash: {fp}\n"), &["ca.pub"]);
        let by_ca = lab.cert("ca", "user", "id", 1);
        let by_hashed = lab.cert("hashed_ca", "user", "id", 1);
        let by_good = lab.cert("good_ca", "user", "id", 1);
        let files = [
            &*by_ca,
            &by_hashed,
            &by_good,
            "user.pub",
            "ca.pub",
            "hashed_ca.pub",
        ];
        assert_sorted_eq(
            lab.agree_krl("ca.krl", &files),
            &[&by_ca, &by_hashed, "ca.pub", "hashed_ca.pub"],
        );
    }

    #[test]
    fn every_key_type_and_forever_certificates_agree_with_openssh() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("rsa_ca", "rsa");
        lab.key("ecdsa_ca", "ecdsa");
        let users = [
            ("ed", vec!["-t", "ed25519"]),
            ("rsa", vec!["-t", "rsa", "-b", "2048"]),
            ("dsa", vec!["-t", "dsa"]),
            ("p256", vec!["-t", "ecdsa", "-b", "256"]),
            ("p384", vec!["-t", "ecdsa", "-b", "384"]),
            ("p521", vec!["-t", "ecdsa", "-b", "521"]),
        ];
        for (name, kind) in &users {
            let mut args = vec!["-q", "-N", "", "-C", name, "-f", name];
            args.extend(kind);
            lab.run(&args);
        }
        let spec = format!("serial: 10-20\nid: gone\nkey: {}", lab.contents("p384.pub"));
        lab.krl("ca.krl", Some("ca.pub"), &spec, &[]);
        lab.krl("rsa_ca.krl", Some("rsa_ca.pub"), "serial: 15\n", &[]);
        lab.krl("ecdsa_ca.krl", Some("ecdsa_ca.pub"), "id: gone\n", &[]);

        let mut files = Vec::new();
        for (user, _) in &users {
            // The plain key ssh-key reads from a finite certificate is the
            // one our own certificate reader rebuilds.
            let finite = lab.cert("ca", user, "kept", 1);
            let fields = parse_cert_blob(&lab.cert_blob(&finite)).expect("cert fields");
            assert_eq!(&fields.key, lab.certificate(&finite).public_key(), "{user}");
            assert_eq!(fields.key, lab.public(&format!("{user}.pub")), "{user}");
            files.push(finite);
            for ca in ["ca", "rsa_ca", "ecdsa_ca"] {
                files.push(lab.forever_cert(ca, user, "kept", 15));
                files.push(lab.forever_cert(ca, user, "kept", 30));
                files.push(lab.forever_cert(ca, user, "gone", 0));
            }
        }
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let revoked = lab.agree_krl("ca.krl", &files);
        // Serial 15 and key id `gone` under `ca` for five users, and all ten
        // certificates of p384.
        assert_eq!(revoked.len(), 2 * 5 + 10, "{revoked:?}");
        assert_eq!(lab.agree_krl("rsa_ca.krl", &files).len(), 6);
        assert_eq!(lab.agree_krl("ecdsa_ca.krl", &files).len(), 6);
    }

    #[test]
    fn certificate_blobs_are_read_strictly() {
        let lab = Lab::new();
        lab.key("ca", "ed25519");
        lab.key("user", "ed25519");
        let blob = lab.cert_blob(&lab.forever_cert("ca", "user", "id", 3));
        let list = RevocationList::parse(b"").expect("empty list");
        assert_eq!(list.is_certificate_blob_revoked(&blob).ok(), Some(false));
        for len in 0..blob.len() {
            assert!(
                matches!(
                    list.is_certificate_blob_revoked(&blob[..len]),
                    Err(RevocationError::BadCertificate(_))
                ),
                "prefix of {len} bytes"
            );
        }
        let trailing = [&blob[..], b"x"].concat();
        assert!(list.is_certificate_blob_revoked(&trailing).is_err());
        let plain = PublicKey::from(lab.public("user.pub"))
            .to_bytes()
            .expect("blob");
        assert!(list.is_certificate_blob_revoked(&plain).is_err());
    }

    /// Our verdict on a flat list must match `-Y verify -r`'s, including
    /// whether the file is usable at all.
    fn agree_list(lab: &Lab, list_file: &str, signer: &str) -> Result<bool, String> {
        let ours = RevocationList::parse(&lab.read(list_file)).map(|list| {
            if signer.ends_with("-cert.pub") {
                lab.ours(&list, signer)
            } else {
                lab.ours(&list, &format!("{signer}.pub"))
            }
        });
        let theirs = lab.openssh_verify("allowed", list_file, signer);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{signer} against {list_file}"),
            (Err(_), Err(_)) => {}
            // OpenSSH stops reading at the first line naming the key, so it
            // never sees a bad line further down; we refuse the whole file.
            // Either way the signature is rejected.
            (Err(_), Ok(true)) => {}
            _ => panic!("{signer} against {list_file}: ours {ours:?}, openssh {theirs:?}"),
        }
        ours.map_err(|e| e.to_string())
    }

    #[test]
    fn flat_key_list_agrees_with_openssh() {
        let lab = Lab::new();
        for name in ["listed", "unlisted", "ca", "ca2", "u1", "u2", "u3", "u4"] {
            lab.key(name, "ed25519");
        }
        let by_listed_ca = lab.cert("ca", "u1", "id", 1);
        let by_other_ca = lab.cert("ca2", "u2", "id", 2);
        let listed_plain = lab.cert("ca2", "u3", "id", 3);
        // A default ("forever") certificate, which ssh-key cannot parse.
        let cert_line = lab.forever_cert("ca2", "u4", "id", 4);
        lab.write(
            "allowed",
            format!(
                "alice {}alice {}alice cert-authority {}alice cert-authority {}",
                lab.contents("listed.pub"),
                lab.contents("unlisted.pub"),
                lab.contents("ca.pub"),
                lab.contents("ca2.pub"),
            )
            .as_bytes(),
        );
        // Comments, blank lines, CRLF, odd blanks, a CA key, a certificate
        // line (standing for its plain key) and a plain key.
        let listed = lab.contents("listed.pub");
        let listed = listed.trim_end().replacen(' ', " \t ", 1);
        let mut list = format!(
            "# revoked keys\n\n   \t\n  {listed}\r\n{}{}{}",
            lab.contents("ca.pub"),
            lab.contents(&cert_line),
            lab.contents("u3.pub").trim_end(),
        );
        list.push_str("\n#last");
        lab.write("list", list.as_bytes());

        let mut revoked = Vec::new();
        for signer in [
            "listed",
            "unlisted",
            &by_listed_ca,
            &by_other_ca,
            &listed_plain,
            &cert_line,
            "u4",
            "u3",
        ] {
            if agree_list(&lab, "list", signer).expect("usable list") {
                revoked.push(signer.to_string());
            }
        }
        assert_sorted_eq(
            revoked,
            &[
                "listed",
                &by_listed_ca,
                &listed_plain,
                &cert_line,
                "u4",
                "u3",
            ],
        );
    }

    #[test]
    fn flat_key_list_line_rules_agree_with_openssh() {
        let lab = Lab::new();
        let key = lab.key("signer", "ed25519");
        lab.key("other", "ed25519");
        lab.write(
            "allowed",
            format!("alice {}", lab.contents("signer.pub")).as_bytes(),
        );
        let line = lab.contents("signer.pub");
        let line = line.trim_end();
        let (kind, rest) = line.split_once(' ').expect("key line");
        let b64 = rest.split(' ').next().expect("base64");
        let other = lab.contents("other.pub");
        let cases: Vec<(&str, Vec<u8>, Option<bool>)> = vec![
            ("empty", Vec::new(), Some(false)),
            ("only comments", b"# nothing\n\n".to_vec(), Some(false)),
            (
                "no newline",
                format!("{kind} {b64}").into_bytes(),
                Some(true),
            ),
            ("nul ends the line", b"\0junk\n".to_vec(), Some(false)),
            (
                "binary comment",
                [other.trim_end().as_bytes(), b" \xff\x01\n"].concat(),
                Some(false),
            ),
            ("type only", format!("{other}{kind}\n").into_bytes(), None),
            ("lone cr", format!("{other}\r\n").into_bytes(), None),
            (
                "short type name",
                format!("ED25519 {b64}\n").into_bytes(),
                None,
            ),
            ("wrong type", format!("ssh-rsa {b64}\n").into_bytes(), None),
            (
                "options",
                format!("cert-authority {line}\n").into_bytes(),
                None,
            ),
            (
                "bad base64",
                format!("{kind} {}\n", &b64[1..]).into_bytes(),
                None,
            ),
            ("garbage", b"garbage\n".to_vec(), None),
        ];
        for (name, bytes, want) in cases {
            let file = format!("list-{}", name.replace(' ', "-"));
            lab.write(&file, &bytes);
            let got = agree_list(&lab, &file, "signer");
            assert_eq!(got.as_ref().ok().copied(), want, "{name}: {got:?}");
            if want.is_none() {
                assert!(matches!(
                    RevocationList::parse(&bytes),
                    Err(RevocationError::BadKeyLine { .. })
                ));
            }
        }
        // A revoked key read back through the public API.
        let list = RevocationList::parse(line.as_bytes()).expect("one key");
        assert!(list.is_key_revoked(&key));
    }

    #[test]
    fn mutated_key_lists_are_judged_like_openssh() {
        let lab = Lab::new();
        lab.key("signer", "ed25519");
        lab.key("other", "ed25519");
        lab.write(
            "allowed",
            format!("alice {}", lab.contents("signer.pub")).as_bytes(),
        );
        let good = format!(
            "# list\n{}\t{}",
            lab.contents("other.pub"),
            lab.contents("signer.pub")
        )
        .into_bytes();
        let mut rng = XorShift(0x1234_9876_abcd_ef01);
        let alphabet = b" \t\r\n#\0A+/=-@sxy\xff";
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                if rng.next().is_multiple_of(3) {
                    bytes.insert(at, alphabet[rng.below(alphabet.len())]);
                    continue;
                }
                bytes[at] = if rng.next().is_multiple_of(2) {
                    alphabet[rng.below(alphabet.len())]
                } else {
                    u8::try_from(rng.next() & 0xff).unwrap_or(0)
                };
            }
            lab.write("mutant.list", &bytes);
            match agree_list(&lab, "mutant.list", "signer") {
                Ok(_) => accepted += 1,
                Err(_) => refused += 1,
            }
        }
        assert!(
            accepted > 5 && refused > 5,
            "{accepted} accepted, {refused} refused"
        );
    }

    /// A KRL with every kind of section ssh-keygen writes.
    fn full_krl(lab: &Lab) -> Vec<u8> {
        for name in ["ca", "a", "b", "c", "user"] {
            lab.key(name, "ed25519");
        }
        let spec = format!(
            "serial: 1-10\nserial: 100000-200000\nserial: 300000\nserial: 900000\nid: gone\n\
             sha1: {}sha256: {}key: {}",
            lab.contents("a.pub"),
            lab.contents("b.pub"),
            lab.contents("c.pub"),
        );
        lab.krl("full.krl", Some("ca.pub"), &spec, &[])
    }

    fn full_krl_queries(lab: &Lab) -> Vec<String> {
        let mut files: Vec<String> = ["a.pub", "b.pub", "c.pub", "user.pub", "ca.pub"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        for (id, serial) in [
            ("kept", 5),
            ("kept", 11),
            ("kept", 150_000),
            ("kept", 300_000),
            ("gone", 0),
        ] {
            files.push(lab.cert("ca", "user", id, serial));
        }
        files
    }

    #[test]
    fn every_truncation_is_judged_like_openssh() {
        let lab = Lab::new();
        let full = full_krl(&lab);
        let mut section_boundaries = 0;
        for len in 0..=full.len() {
            let prefix = &full[..len];
            let ours = RevocationList::parse(prefix);
            if len < KRL_MAGIC.len() {
                // Not a KRL: read as a key list, which only the empty one is.
                assert_eq!(ours.is_ok(), len == 0, "prefix of {len} bytes: {ours:?}");
                continue;
            }
            lab.write("prefix.krl", prefix);
            let theirs = lab.openssh_krl("prefix.krl", &[]).is_some();
            assert_eq!(ours.is_ok(), theirs, "prefix of {len} bytes: ours {ours:?}");
            match ours {
                Ok(_) => section_boundaries += 1,
                Err(e) => assert!(
                    matches!(e, RevocationError::Truncated { .. }),
                    "prefix of {len} bytes: {e}"
                ),
            }
        }
        // Header alone, after each section, and the whole file.
        assert!(section_boundaries >= 4, "{section_boundaries}");
    }

    /// A tiny deterministic generator, so failures can be replayed.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    #[test]
    fn mutated_krls_are_judged_like_openssh() {
        let lab = Lab::new();
        let full = full_krl(&lab);
        let files = full_krl_queries(&lab);
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..300 {
            let mut bytes = full.clone();
            let at = KRL_MAGIC.len() + rng.below(bytes.len() - KRL_MAGIC.len());
            bytes[at] = u8::try_from(rng.next() & 0xff).unwrap_or(0);
            lab.write("mutant.krl", &bytes);
            let theirs = lab.openssh_krl("mutant.krl", &files);
            match (RevocationList::parse(&bytes), theirs) {
                (Ok(list), Some(theirs)) => {
                    accepted += 1;
                    for (file, theirs) in files.iter().zip(theirs) {
                        let ours = lab.ours(&list, file);
                        assert_eq!(ours, theirs, "round {round}, byte {at}: {file}");
                    }
                }
                (Err(_), None) => refused += 1,
                (ours, theirs) => {
                    panic!("round {round}, byte {at}: ours {ours:?}, openssh {theirs:?}")
                }
            }
        }
        assert!(
            accepted > 10 && refused > 10,
            "{accepted} accepted, {refused} refused"
        );
    }

    fn string(data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).expect("short test data");
        [&len.to_be_bytes()[..], data].concat()
    }

    fn header() -> Vec<u8> {
        let mut out = KRL_MAGIC.to_vec();
        out.extend(1u32.to_be_bytes());
        out.extend([0u8; 24]);
        out.extend(string(b""));
        out.extend(string(b"test"));
        out
    }

    fn section(kind: u8, data: &[u8]) -> Vec<u8> {
        [&[kind][..], &string(data)].concat()
    }

    fn cert_section(ca: &[u8], subsections: &[u8]) -> Vec<u8> {
        section(
            SECTION_CERTIFICATES,
            &[string(ca), string(b""), subsections.to_vec()].concat(),
        )
    }

    fn krl_with(sections: &[Vec<u8>]) -> Vec<u8> {
        [vec![header()], sections.to_vec()].concat().concat()
    }

    fn u64s(values: &[u64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    #[test]
    fn hand_built_edge_cases_are_judged_like_openssh() {
        let lab = Lab::new();
        let ca = PublicKey::from(lab.key("ca", "ed25519"))
            .to_bytes()
            .expect("blob");
        lab.key("user", "ed25519");
        let cert = lab.cert("ca", "user", "myid", 5);
        let cert_blob = lab.certificate(&cert).to_bytes().expect("cert blob");
        let sub = |kind: u8, data: &[u8]| section(kind, data);
        let bitmap = |offset: u64, bits: &[u8]| {
            sub(
                CERT_SERIAL_BITMAP,
                &[u64s(&[offset]), string(bits)].concat(),
            )
        };
        let big = [&[0u8][..], &[0xff; MAX_BITMAP_BYTES]].concat();
        let too_big = [&[1u8][..], &[0; MAX_BITMAP_BYTES]].concat();
        type Check = fn(&RevocationError) -> bool;
        // (name, krl, Some(revokes the cert) or the error we expect)
        let cases: Vec<(&str, Vec<u8>, Result<bool, Check>)> = vec![
            ("no sections", header(), Ok(false)),
            (
                "empty cert section",
                krl_with(&[cert_section(&ca, &[])]),
                Ok(false),
            ),
            (
                "range 5-5",
                krl_with(&[cert_section(&ca, &sub(CERT_SERIAL_RANGE, &u64s(&[5, 5])))]),
                Ok(true),
            ),
            (
                "range to max",
                krl_with(&[cert_section(
                    &ca,
                    &sub(CERT_SERIAL_RANGE, &u64s(&[1, u64::MAX])),
                )]),
                Ok(true),
            ),
            (
                "any-ca list",
                krl_with(&[cert_section(b"", &sub(CERT_SERIAL_LIST, &u64s(&[5])))]),
                Ok(true),
            ),
            (
                "empty key id",
                krl_with(&[cert_section(&ca, &sub(CERT_KEY_ID, &string(b"")))]),
                Ok(false),
            ),
            (
                "bitmap with leading zeros",
                krl_with(&[cert_section(&ca, &bitmap(5, b"\0\0\x01"))]),
                Ok(true),
            ),
            (
                "empty bitmap",
                krl_with(&[cert_section(&ca, &bitmap(5, b""))]),
                Ok(false),
            ),
            (
                "bitmap from 0 without bit 0",
                krl_with(&[cert_section(&ca, &bitmap(0, b"\x3e"))]),
                Ok(true),
            ),
            (
                "bitmap at the last serial",
                krl_with(&[cert_section(&ca, &bitmap(u64::MAX, b"\x01"))]),
                Ok(false),
            ),
            (
                "largest bitmap",
                krl_with(&[cert_section(&ca, &bitmap(1, &big))]),
                Ok(true),
            ),
            (
                "certificate as ca",
                krl_with(&[cert_section(
                    &cert_blob,
                    &sub(CERT_SERIAL_LIST, &u64s(&[5])),
                )]),
                Ok(false),
            ),
            (
                "unparsed explicit key",
                krl_with(&[section(SECTION_EXPLICIT_KEY, &string(b"garbage"))]),
                Ok(false),
            ),
            (
                "serial 0 listed",
                krl_with(&[cert_section(&ca, &sub(CERT_SERIAL_LIST, &u64s(&[0])))]),
                Err(|e| matches!(e, RevocationError::ZeroSerial)),
            ),
            (
                "range from 0",
                krl_with(&[cert_section(&ca, &sub(CERT_SERIAL_RANGE, &u64s(&[0, 5])))]),
                Err(|e| matches!(e, RevocationError::ZeroSerial)),
            ),
            (
                "inverted range",
                krl_with(&[cert_section(&ca, &sub(CERT_SERIAL_RANGE, &u64s(&[9, 5])))]),
                Err(|e| matches!(e, RevocationError::BadSerialRange { lo: 9, hi: 5 })),
            ),
            (
                "range with trailing data",
                krl_with(&[cert_section(
                    &ca,
                    &sub(CERT_SERIAL_RANGE, &[u64s(&[5, 5]), b"x".to_vec()].concat()),
                )]),
                Err(|e| matches!(e, RevocationError::TrailingData { .. })),
            ),
            (
                "partial serial",
                krl_with(&[cert_section(
                    &ca,
                    &sub(CERT_SERIAL_LIST, &[u64s(&[5]), vec![0, 0]].concat()),
                )]),
                Err(|e| matches!(e, RevocationError::Truncated { .. })),
            ),
            (
                "bitmap revoking 0",
                krl_with(&[cert_section(&ca, &bitmap(0, b"\x3f"))]),
                Err(|e| matches!(e, RevocationError::ZeroSerial)),
            ),
            (
                "negative bitmap",
                krl_with(&[cert_section(&ca, &bitmap(5, b"\x81"))]),
                Err(|e| matches!(e, RevocationError::BadSerialBitmap(_))),
            ),
            (
                "oversized bitmap",
                krl_with(&[cert_section(&ca, &bitmap(1, &too_big))]),
                Err(|e| matches!(e, RevocationError::BadSerialBitmap(_))),
            ),
            (
                "bitmap wrapping",
                krl_with(&[cert_section(&ca, &bitmap(u64::MAX, b"\x01\x00"))]),
                Err(|e| matches!(e, RevocationError::BadSerialBitmap(_))),
            ),
            (
                "key id with nul",
                krl_with(&[cert_section(&ca, &sub(CERT_KEY_ID, &string(b"my\0id")))]),
                Err(|e| matches!(e, RevocationError::NulInString("key id"))),
            ),
            (
                "ca key with trailing data",
                krl_with(&[cert_section(&[&ca[..], b"x"].concat(), &[])]),
                Err(|e| matches!(e, RevocationError::BadCaKey(_))),
            ),
            (
                "garbage ca key",
                krl_with(&[cert_section(b"garbage", &[])]),
                Err(|e| matches!(e, RevocationError::Truncated { .. })),
            ),
            (
                "unknown subsection",
                krl_with(&[cert_section(&ca, &sub(0x24, b""))]),
                Err(|e| matches!(e, RevocationError::UnknownCertSubsection(0x24))),
            ),
            (
                "cert section without reserved",
                krl_with(&[section(SECTION_CERTIFICATES, &string(&ca))]),
                Err(|e| matches!(e, RevocationError::Truncated { .. })),
            ),
            (
                "sha1 of 21 bytes",
                krl_with(&[section(SECTION_FINGERPRINT_SHA1, &string(&[7; 21]))]),
                Err(|e| {
                    matches!(
                        e,
                        RevocationError::BadFingerprintLength { expected: 20, .. }
                    )
                }),
            ),
            (
                "sha256 of 20 bytes",
                krl_with(&[section(SECTION_FINGERPRINT_SHA256, &string(&[7; 20]))]),
                Err(|e| {
                    matches!(
                        e,
                        RevocationError::BadFingerprintLength { expected: 32, .. }
                    )
                }),
            ),
            (
                "explicit key with trailing byte",
                krl_with(&[section(
                    SECTION_EXPLICIT_KEY,
                    &[string(b"x"), vec![0]].concat(),
                )]),
                Err(|e| matches!(e, RevocationError::Truncated { .. })),
            ),
            (
                "format version 2",
                [&KRL_MAGIC[..], &2u32.to_be_bytes(), &header()[12..]].concat(),
                Err(|e| matches!(e, RevocationError::UnsupportedFormatVersion(2))),
            ),
            (
                "unknown section",
                krl_with(&[section(6, b"")]),
                Err(|e| matches!(e, RevocationError::UnknownSection(6))),
            ),
            (
                "signature section",
                krl_with(&[section(SECTION_SIGNATURE, &string(&ca))]),
                Err(|e| matches!(e, RevocationError::SignedKrl)),
            ),
            (
                "comment with nul",
                [&header()[..header().len() - 8], &string(b"te\0t")].concat(),
                Err(|e| matches!(e, RevocationError::NulInString("comment"))),
            ),
            (
                "stray byte after header",
                [header(), vec![1]].concat(),
                Err(|e| matches!(e, RevocationError::Truncated { .. })),
            ),
        ];
        for (name, bytes, want) in cases {
            lab.write("case.krl", &bytes);
            let theirs = lab.openssh_krl("case.krl", &[&cert]);
            let ours = RevocationList::parse(&bytes);
            match (&ours, want) {
                (Ok(list), Ok(revoked)) => {
                    let ours = lab.ours(list, &cert);
                    assert_eq!(ours, revoked, "{name}");
                    assert_eq!(theirs, Some(vec![revoked]), "{name}: openssh disagrees");
                }
                (Err(e), Err(check)) => {
                    assert!(check(e), "{name}: wrong error {e:?}");
                    assert_eq!(theirs, None, "{name}: openssh accepts it");
                }
                (ours, _) => panic!("{name}: got {ours:?}"),
            }
        }
    }

    #[test]
    fn extensions_follow_newer_openssh() {
        // 9.2 refuses every extension; later OpenSSH skips non-critical ones
        // and refuses critical ones, which is what we do.
        let ext =
            |critical: u8| [string(b"test@example.com"), vec![critical], string(b"v")].concat();
        let skipped = krl_with(&[
            section(SECTION_EXTENSION, &ext(0)),
            cert_section(b"", &section(CERT_EXTENSION, &ext(0))),
        ]);
        assert!(RevocationList::parse(&skipped).is_ok());
        for bad in [
            krl_with(&[section(SECTION_EXTENSION, &ext(1))]),
            krl_with(&[cert_section(b"", &section(CERT_EXTENSION, &ext(1)))]),
        ] {
            assert!(matches!(
                RevocationList::parse(&bad),
                Err(RevocationError::CriticalExtension(name)) if name == "test@example.com"
            ));
        }
        let trailing = krl_with(&[section(SECTION_EXTENSION, &[ext(0), vec![0]].concat())]);
        assert!(matches!(
            RevocationList::parse(&trailing),
            Err(RevocationError::TrailingData { .. })
        ));
    }

    #[test]
    fn huge_length_fields_are_errors_not_allocations() {
        let huge = u32::MAX.to_be_bytes();
        let header_without_comment = &header()[..header().len() - 8];
        let cases = [
            [header_without_comment, &huge[..]].concat(),
            [header(), vec![SECTION_EXPLICIT_KEY], huge.to_vec()].concat(),
            krl_with(&[section(SECTION_EXPLICIT_KEY, &huge)]),
            krl_with(&[section(
                SECTION_FINGERPRINT_SHA256,
                &[&huge[..], &[0; 32]].concat(),
            )]),
            krl_with(&[cert_section(&huge, &[])]),
            krl_with(&[cert_section(
                b"",
                &[vec![CERT_KEY_ID], huge.to_vec()].concat(),
            )]),
            krl_with(&[cert_section(b"", &section(CERT_KEY_ID, &huge))]),
            krl_with(&[cert_section(
                b"",
                &section(CERT_SERIAL_BITMAP, &[u64s(&[1]), huge.to_vec()].concat()),
            )]),
        ];
        for (i, bytes) in cases.iter().enumerate() {
            assert!(
                matches!(
                    RevocationList::parse(bytes),
                    Err(RevocationError::Truncated { .. })
                ),
                "case {i}"
            );
        }
    }

    #[test]
    fn random_input_never_panics() {
        let lab = Lab::new();
        let full = full_krl(&lab);
        let key = lab.public("user.pub");
        let cert = lab.certificate(&lab.cert("ca", "user", "gone", 5));
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let alphabet = b"ssh-ed25519 AAAA+/=\t\r\n#\0xyz";
        for round in 0..20_000 {
            let len = rng.below(300);
            let mut bytes: Vec<u8> = match round % 4 {
                // Raw noise.
                0 => (0..len)
                    .map(|_| u8::try_from(rng.next() & 0xff).unwrap_or(0))
                    .collect(),
                // Noise behind a valid header.
                1 => [
                    header(),
                    (0..len)
                        .map(|_| u8::try_from(rng.next() & 0xff).unwrap_or(0))
                        .collect(),
                ]
                .concat(),
                // Text that looks like a key list.
                2 => (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect(),
                // A real KRL with several random bytes changed.
                _ => full.clone(),
            };
            if round % 4 == 3 {
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(bytes.len());
                    bytes[at] = u8::try_from(rng.next() & 0xff).unwrap_or(0);
                }
            }
            if let Ok(list) = RevocationList::parse(&bytes) {
                list.is_key_revoked(&key);
                list.is_certificate_revoked(&cert);
            }
        }
    }

    #[test]
    fn bitmap_membership_is_arithmetic() {
        let big = [&[0x80u8][..], &[0; MAX_BITMAP_BYTES - 1]].concat();
        let offset = u64::MAX - 16383;
        let bitmap = serial_bitmap(offset, &[&[0][..], &big].concat())
            .expect("valid")
            .expect("not empty");
        assert!(bitmap.contains(u64::MAX));
        assert!(!bitmap.contains(u64::MAX - 1));
        assert!(!bitmap.contains(offset));
        assert!(!bitmap.contains(0));
        let bitmap = serial_bitmap(8, b"\x01\x05")
            .expect("valid")
            .expect("not empty");
        let revoked: Vec<u64> = (0..40).filter(|&s| bitmap.contains(s)).collect();
        assert_eq!(revoked, [8, 10, 16]);
    }

    #[test]
    fn error_messages_are_lowercase() {
        let errors = [
            RevocationError::BadKeyLine {
                line: 1,
                reason: "x".into(),
            },
            RevocationError::Truncated {
                what: "x",
                offset: 0,
            },
            RevocationError::UnsupportedFormatVersion(2),
            RevocationError::UnknownSection(6),
            RevocationError::UnknownCertSubsection(0x24),
            RevocationError::SignedKrl,
            RevocationError::BadSerialRange { lo: 2, hi: 1 },
            RevocationError::ZeroSerial,
            RevocationError::BadSerialBitmap("x"),
            RevocationError::TrailingData { what: "x", len: 1 },
            RevocationError::BadFingerprintLength {
                what: "sha1",
                len: 1,
                expected: 20,
            },
            RevocationError::NulInString("x"),
            RevocationError::BadCaKey("x".into()),
            RevocationError::CriticalExtension("x".into()),
        ];
        for error in errors {
            let text = error.to_string();
            assert!(!text.starts_with(|c: char| c.is_uppercase()), "{text}");
        }
    }
}
