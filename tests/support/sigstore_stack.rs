//! A Sigstore instance of the tests' own, offline: a Fulcio-like CA issuing real
//! certificates with the Fulcio extensions and an embedded SCT, a CT log key, and a
//! Rekor-like log with a real RFC 6962 Merkle tree of every entry, signed entry timestamps
//! and signed checkpoints (two such logs, [`LOG_A`] where everything is logged unless a
//! test says otherwise and [`LOG_B`], both in the trusted root, as the public-good root
//! lists more than one log), and an RFC 3161 timestamp authority ([`Tsa`]: its own root, a
//! leaf with the critical timeStamping EKU, tokens built with RustCrypto's `x509-tsp` and
//! `cms` types, with the ESS signing-certificate attribute openssl insists on). It writes gitsign's wire format through gitseal's own CMS writer
//! (`gitseal::sigstore::cms_build`) and a `trusted_root.json` naming its keys, so that
//! tests can make Sigstore-signed commits gitseal verifies, and break any part of them.

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use der::asn1::{BitString, Ia5String, OctetString, UtcTime, Utf8StringRef};
use der::{Decode, Encode};
use gitseal::sigstore::{cms_build, tlog};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use prost::Message;
use sha2::{Digest, Sha256};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::sct::{
    DigitallySigned, HashAlgorithm, LogId, SerializedSct, SignatureAlgorithm,
    SignatureAndHashAlgorithm, SignedCertificateTimestamp, Version as SctVersion,
};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SignedCertificateTimestampList, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

const ECDSA_SHA256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const FULCIO_ISSUER_V1: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const FULCIO_ISSUER_V2: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const CODE_SIGNING: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const TIME_STAMPING: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const SHA256_OID: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SIGNED_DATA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const CONTENT_TYPE: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-signingCertificateV2 (RFC 5816): which certificate signed the token.
const SIGNING_CERTIFICATE_V2: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// The TSA policy the tokens name (Sigstore's own arc, as its TSA does).
const TSA_POLICY: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.2");
/// The log every signature goes to unless a test names another.
pub const LOG_A: usize = 0;
/// A second log of the same trusted root.
pub const LOG_B: usize = 1;

fn key() -> SigningKey {
    SigningKey::random(&mut rand_core::OsRng)
}

fn spki_der(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("SPKI")
        .as_bytes()
        .to_vec()
}

/// A key identifier (RFC 5280 4.2.1.2, method 1: SHA-1 of the public key).
fn key_id(key: &SigningKey) -> Vec<u8> {
    use sha1::Digest as _;
    sha1::Sha1::digest(key.verifying_key().to_encoded_point(false).as_bytes()).to_vec()
}

fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: DerSignature = key.sign(message);
    signature.as_bytes().to_vec()
}

fn time(unix: i64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(unix as u64)).expect("UTCTime"))
}

fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ECDSA_SHA256,
        parameters: None,
    }
}

fn extension(ext: &impl AsExtension, subject: &Name) -> Extension {
    ext.to_extension(subject, &[]).expect("extension")
}

fn raw_extension(oid: der::oid::ObjectIdentifier, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value).expect("octets"),
    }
}

/// A CA certificate (self-signed, may sign one level below it).
fn ca_certificate(key: &SigningKey, name: &Name) -> Vec<u8> {
    let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der(key)).expect("spki");
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(1u32),
        signature: ecdsa_sha256(),
        issuer: name.clone(),
        validity: Validity {
            not_before: time(1_577_836_800),
            not_after: time(2_208_988_800),
        },
        subject: name.clone(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(vec![
            extension(
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(1),
                },
                name,
            ),
            extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), name),
            extension(
                &SubjectKeyIdentifier(OctetString::new(key_id(key)).expect("key id")),
                name,
            ),
        ]),
    };
    signed_certificate(tbs, key)
}

/// A timestamp authority: a root of its own and the leaf that signs tokens.
pub struct Tsa {
    key: SigningKey,
    leaf: Vec<u8>,
    root: Vec<u8>,
    serial: std::sync::atomic::AtomicU64,
}

impl Tsa {
    /// A new authority called `name`, trusted by nobody until a root lists it.
    pub fn new(name: &str) -> Tsa {
        let root_key = key();
        let root_name = Name::from_str(&format!("CN={name} root,O=gitseal.test")).expect("name");
        let root = ca_certificate(&root_key, &root_name);
        let key = key();
        let subject = Name::from_str(&format!("CN={name},O=gitseal.test")).expect("name");
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::from(2u32),
            signature: ecdsa_sha256(),
            issuer: root_name.clone(),
            validity: Validity {
                not_before: time(1_577_836_800),
                not_after: time(2_208_988_800),
            },
            subject: subject.clone(),
            subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&spki_der(&key))
                .expect("spki"),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                extension(&KeyUsage(KeyUsages::DigitalSignature.into()), &subject),
                // RFC 3161 2.3: the only extended key usage, and critical.
                Extension {
                    critical: true,
                    ..extension(&ExtendedKeyUsage(vec![TIME_STAMPING]), &subject)
                },
                extension(
                    &AuthorityKeyIdentifier {
                        key_identifier: Some(OctetString::new(key_id(&root_key)).expect("id")),
                        authority_cert_issuer: None,
                        authority_cert_serial_number: None,
                    },
                    &subject,
                ),
            ]),
        };
        let leaf = signed_certificate(tbs, &root_key);
        Tsa {
            key,
            leaf,
            root,
            serial: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// The signing certificate (DER).
    pub fn leaf(&self) -> &[u8] {
        &self.leaf
    }

    /// The authority's root (DER).
    pub fn root(&self) -> &[u8] {
        &self.root
    }

    /// A TimeStampToken (DER ContentInfo) for `imprint` at `at`, echoing `nonce`, with the
    /// signing certificate in the bag when `with_certificate` (the request's certReq).
    pub fn token(
        &self,
        imprint: x509_tsp::MessageImprint,
        nonce: Option<der::asn1::Int>,
        at: i64,
        with_certificate: bool,
    ) -> Vec<u8> {
        use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
        use cms::content_info::{CmsVersion, ContentInfo};
        use cms::signed_data::{
            CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo,
            SignerInfos,
        };
        use der::Any;
        use der::asn1::{GeneralizedTime, SetOfVec};
        use x509_cert::attr::Attribute;

        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let info = x509_tsp::TstInfo {
            version: x509_tsp::TspVersion::V1,
            policy: TSA_POLICY,
            message_imprint: imprint,
            serial_number: der::asn1::Int::from(
                der::asn1::Uint::new(&serial.to_be_bytes()).expect("serial"),
            ),
            gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(at as u64))
                .expect("genTime"),
            accuracy: None,
            ordering: false,
            nonce,
            tsa: None,
            extensions: None,
        }
        .to_der()
        .expect("TSTInfo");
        let leaf = Certificate::from_der(&self.leaf).expect("leaf");
        let attribute = |oid, value: Any| {
            let mut values = SetOfVec::new();
            values.insert(value).expect("value");
            Attribute { oid, values }
        };
        // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } }, the hash
        // algorithm left at its default, SHA-256.
        let ess: Vec<Vec<Vec<OctetString>>> = vec![vec![vec![
            OctetString::new(Sha256::digest(&self.leaf).to_vec()).expect("hash"),
        ]]];
        let mut attrs = SetOfVec::new();
        for attr in [
            attribute(
                CONTENT_TYPE,
                Any::encode_from(&ID_CT_TST_INFO).expect("oid"),
            ),
            attribute(
                SIGNING_TIME,
                Any::encode_from(
                    &UtcTime::from_unix_duration(Duration::from_secs(at as u64)).expect("time"),
                )
                .expect("time"),
            ),
            attribute(
                MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(Sha256::digest(&info).to_vec()).expect("md"))
                    .expect("md"),
            ),
            attribute(SIGNING_CERTIFICATE_V2, Any::encode_from(&ess).expect("ess")),
        ] {
            attrs.insert(attr).expect("attribute");
        }
        let signature = sign(&self.key, &attrs.to_der().expect("attributes"));
        let sha256 = AlgorithmIdentifierOwned {
            oid: SHA256_OID,
            parameters: None,
        };
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: leaf.tbs_certificate.issuer.clone(),
                serial_number: leaf.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: ecdsa_sha256(),
            signature: OctetString::new(signature).expect("signature"),
            unsigned_attrs: None,
        };
        let mut digests = SetOfVec::new();
        digests.insert(sha256).expect("digest");
        let mut signers = SetOfVec::new();
        signers.insert(signer).expect("signer");
        let certificates = with_certificate.then(|| {
            let mut set = SetOfVec::new();
            set.insert(CertificateChoices::Certificate(leaf))
                .expect("certificate");
            CertificateSet(set)
        });
        let signed = SignedData {
            // RFC 5652 5.1: version 3 when the content is not id-data.
            version: CmsVersion::V3,
            digest_algorithms: digests,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(
                    Any::encode_from(&OctetString::new(info).expect("octets")).expect("content"),
                ),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(signers),
        };
        ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed).expect("SignedData"),
        }
        .to_der()
        .expect("ContentInfo")
    }

    /// A token over `signature` (a SignerInfo's signature) as gitsign asks for it.
    pub fn token_for(&self, signature: &[u8], at: i64) -> Vec<u8> {
        self.token(imprint_of(signature), None, at, true)
    }
}

/// The SHA-256 imprint of `data`.
pub fn imprint_of(data: &[u8]) -> x509_tsp::MessageImprint {
    x509_tsp::MessageImprint {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifier {
            oid: SHA256_OID,
            parameters: None,
        },
        hashed_message: OctetString::new(Sha256::digest(data).to_vec()).expect("digest"),
    }
}

/// One signature's certificate: who Fulcio vouches for, and when.
#[derive(Clone, Debug)]
pub struct Identity {
    pub email: String,
    pub issuer: String,
}

/// A subject alternative name of a signer's certificate: what a CA writes to name whom
/// it certifies (Fulcio writes exactly one; a misissuing CA may write anything).
#[derive(Clone, Debug)]
pub enum San {
    Email(String),
    Uri(String),
    Dns(String),
}

/// A Rekor-like log: its key, the host in its URL, the origin its checkpoints name, and
/// its leaves.
#[derive(Clone)]
pub struct Log {
    key: SigningKey,
    host: String,
    origin: String,
    leaves: Vec<[u8; 32]>,
}

impl Log {
    fn new(host: &str, tree: u64) -> Log {
        Log {
            key: key(),
            host: host.into(),
            origin: format!("{host} - {tree}"),
            leaves: Vec::new(),
        }
    }

    /// The log id: SHA-256 of the log's DER public key.
    pub fn id(&self) -> Vec<u8> {
        Sha256::digest(spki_der(&self.key)).to_vec()
    }

    /// The leaf hashes, in order.
    pub fn leaves(&self) -> &[[u8; 32]] {
        &self.leaves
    }

    /// The origin its checkpoints name (`<host> - <tree id>`, as Rekor v1 writes it).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A checkpoint (signed note) of a tree of `size` leaves with root `root`, naming
    /// `origin`, signed with this log's key under this log's name and key hint.
    pub fn checkpoint(&self, origin: &str, size: i64, root: &[u8]) -> String {
        let note = format!("{origin}\n{size}\n{}\n", Base64::encode_string(root));
        let hint = &self.id()[..4];
        let note_sig = [hint, &sign(&self.key, note.as_bytes())].concat();
        format!(
            "{note}\n\u{2014} {} {}\n",
            self.host,
            Base64::encode_string(&note_sig)
        )
    }

    fn trusted(&self) -> serde_json::Value {
        let spki = spki_der(&self.key);
        serde_json::json!({
            "baseUrl": format!("http://{}", self.host),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": Base64::encode_string(&spki), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": "2020-01-01T00:00:00Z"}},
            "logId": {"keyId": Base64::encode_string(&Sha256::digest(&spki))}
        })
    }
}

/// What the log did with an entry; tests break it before it is embedded.
pub struct Logged {
    pub entry: tlog::TransparencyLogEntry,
}

/// The test instance: CA, CT log and Rekor keys, and the log's leaves.
pub struct Stack {
    /// The OIDC issuer's signing key (ES256 ID tokens).
    oidc_key: SigningKey,
    ca_key: SigningKey,
    ca_cert: Vec<u8>,
    ca_name: Name,
    ct_key: SigningKey,
    /// [`LOG_A`] and [`LOG_B`].
    logs: Vec<Log>,
    serial: u32,
    /// The instance's timestamp authority, listed in its trusted root.
    pub tsa: Tsa,
    /// Extensions every certificate issued from now on carries besides Fulcio's own:
    /// CI claims (1.3.6.1.4.1.57264.1.2-.6 as bare strings, .9 onwards as DER UTF8String,
    /// see [`Self::workflow_claims`]).
    pub claims: Vec<Extension>,
}

impl Default for Stack {
    fn default() -> Self {
        Self::new()
    }
}

impl Stack {
    pub fn new() -> Stack {
        let ca_key = key();
        let ca_name = Name::from_str("CN=gitseal-test-fulcio,O=gitseal.test").expect("name");
        let ca_cert = ca_certificate(&ca_key, &ca_name);
        Stack {
            oidc_key: key(),
            ca_key,
            ca_cert,
            ca_name,
            ct_key: key(),
            logs: vec![
                Log::new("rekor.gitseal.test", 4242),
                Log::new("rekor-b.gitseal.test", 4343),
            ],
            serial: 100,
            tsa: Tsa::new("gitseal-test-tsa"),
            claims: Vec::new(),
        }
    }

    /// The claims Fulcio copies from a GitHub Actions token: each `(number, value)` under
    /// 1.3.6.1.4.1.57264.1, encoded as Fulcio does (the deprecated .2-.6 as the bare
    /// string, the others as a DER UTF8String).
    pub fn workflow_claims(&mut self, claims: &[(u32, &str)]) {
        self.claims = claims
            .iter()
            .map(|(number, value)| {
                let oid = der::oid::ObjectIdentifier::new(&format!("1.3.6.1.4.1.57264.1.{number}"))
                    .expect("oid");
                let bytes = if (2..=6).contains(number) {
                    value.as_bytes().to_vec()
                } else {
                    Utf8StringRef::new(value)
                        .expect("utf8")
                        .to_der()
                        .expect("der")
                };
                raw_extension(oid, bytes)
            })
            .collect();
    }

    /// A `trusted_root.json` that trusts exactly this instance.
    pub fn trusted_root(&self) -> String {
        let ct_spki = spki_der(&self.ct_key);
        let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": self.logs.iter().map(Log::trusted).collect::<Vec<_>>(),
            "certificateAuthorities": [{
                "subject": {"organization": "gitseal.test", "commonName": "gitseal-test-fulcio"},
                "uri": "http://fulcio.gitseal.test",
                "certChain": {"certificates": [{"rawBytes": Base64::encode_string(&self.ca_cert)}]},
                "validFor": valid
            }],
            "ctlogs": [{
                "baseUrl": "http://ct.gitseal.test",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": Base64::encode_string(&ct_spki), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": valid},
                "logId": {"keyId": Base64::encode_string(&Sha256::digest(&ct_spki))}
            }],
            "timestampAuthorities": [{
                "subject": {"organization": "gitseal.test", "commonName": "gitseal-test-tsa"},
                "uri": "http://tsa.gitseal.test",
                // Leaf first, root last: the leaf is the one signer the authority allows.
                "certChain": {"certificates": [
                    {"rawBytes": Base64::encode_string(self.tsa.leaf())},
                    {"rawBytes": Base64::encode_string(self.tsa.root())}
                ]},
                "validFor": valid
            }]
        })
        .to_string()
    }

    /// A Fulcio-like leaf for `key`, valid for ten minutes from `not_before`, with its SCT.
    pub fn certificate(&mut self, key: &SigningKey, who: &Identity, not_before: i64) -> Vec<u8> {
        self.certificate_for(&spki_der(key), who, not_before)
    }

    /// The same for a public key given as DER SubjectPublicKeyInfo (Fulcio's request).
    pub fn certificate_for(&mut self, spki: &[u8], who: &Identity, not_before: i64) -> Vec<u8> {
        let sans = [San::Email(who.email.clone())];
        self.certificate_naming(spki, &sans, &who.issuer, not_before)
    }

    /// A leaf for `spki` that names `sans` and `issuer`, as a misissuing CA might write it.
    pub fn certificate_naming(
        &mut self,
        spki: &[u8],
        sans: &[San],
        issuer: &str,
        not_before: i64,
    ) -> Vec<u8> {
        let who = Identity {
            email: String::new(),
            issuer: issuer.into(),
        };
        let names = sans
            .iter()
            .map(|san| match san {
                San::Email(v) => GeneralName::Rfc822Name(Ia5String::new(v).expect("ascii")),
                San::Uri(v) => {
                    GeneralName::UniformResourceIdentifier(Ia5String::new(v).expect("ascii"))
                }
                San::Dns(v) => GeneralName::DnsName(Ia5String::new(v).expect("ascii")),
            })
            .collect();
        self.serial += 1;
        let empty = Name::default();
        let mut extensions = vec![
            extension(&KeyUsage(KeyUsages::DigitalSignature.into()), &empty),
            // As Fulcio: the extended key usage is not critical (sigstore-python insists).
            Extension {
                critical: false,
                ..extension(&ExtendedKeyUsage(vec![CODE_SIGNING]), &empty)
            },
            extension(&SubjectAltName(names), &empty),
            extension(
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(key_id(&self.ca_key)).expect("key id")),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                &empty,
            ),
            raw_extension(FULCIO_ISSUER_V1, who.issuer.as_bytes().to_vec()),
            raw_extension(
                FULCIO_ISSUER_V2,
                Utf8StringRef::new(&who.issuer)
                    .expect("utf8")
                    .to_der()
                    .expect("der"),
            ),
        ];
        extensions.extend(self.claims.iter().cloned());
        let mut tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::from(self.serial),
            signature: ecdsa_sha256(),
            issuer: self.ca_name.clone(),
            validity: Validity {
                not_before: time(not_before),
                not_after: time(not_before + 600),
            },
            subject: empty,
            subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(spki).expect("spki"),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions.clone()),
        };
        // RFC 6962: the log signs the precertificate (this TBS) and the issuer's key hash.
        let precert = tbs.to_der().expect("precert");
        let sct_time = (not_before as u64) * 1000;
        let mut signed = vec![0u8, 0u8];
        signed.extend_from_slice(&sct_time.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes());
        signed.extend_from_slice(&Sha256::digest(spki_der(&self.ca_key)));
        signed.extend_from_slice(&(precert.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(&precert);
        signed.extend_from_slice(&0u16.to_be_bytes());
        let sct = SignedCertificateTimestamp {
            version: SctVersion::V1,
            log_id: LogId {
                key_id: Sha256::digest(spki_der(&self.ct_key)).into(),
            },
            timestamp: sct_time,
            extensions: Vec::new().into(),
            signature: DigitallySigned {
                algorithm: SignatureAndHashAlgorithm {
                    hash: HashAlgorithm::Sha256,
                    signature: SignatureAlgorithm::Ecdsa,
                },
                signature: sign(&self.ct_key, &signed).into(),
            },
        };
        let list = SignedCertificateTimestampList::new(&[SerializedSct::new(sct).expect("sct")])
            .expect("sct list");
        extensions.push(raw_extension(
            der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2"),
            list.to_der().expect("sct der"),
        ));
        tbs.extensions = Some(extensions);
        signed_certificate(tbs, &self.ca_key)
    }

    /// Logs a hashedrekord for `body` at `integrated_time` in [`LOG_A`]: a new leaf of the
    /// tree, the SET, and an inclusion proof against a signed checkpoint of the whole tree.
    pub fn log(&mut self, body: &str, integrated_time: i64) -> Logged {
        self.log_in(LOG_A, body, integrated_time)
    }

    /// The log `which` ([`LOG_A`], [`LOG_B`]).
    pub fn log_of(&self, which: usize) -> &Log {
        &self.logs[which]
    }

    /// [`Self::log`] in the log `which`.
    pub fn log_in(&mut self, which: usize, body: &str, integrated_time: i64) -> Logged {
        let log = &mut self.logs[which];
        let index = log.leaves.len();
        let leaf: [u8; 32] = Sha256::digest([&[0u8][..], body.as_bytes()].concat()).into();
        log.leaves.push(leaf);
        let log = &self.logs[which];
        let size = log.leaves.len();
        let root = merkle_root(&log.leaves);
        let proof = inclusion_proof(index, &log.leaves);
        let log_id = log.id();
        let payload = format!(
            "{{\"body\":\"{}\",\"integratedTime\":{integrated_time},\"logID\":\"{}\",\"logIndex\":{index}}}",
            Base64::encode_string(body.as_bytes()),
            hex(&log_id)
        );
        let set = sign(&log.key, payload.as_bytes());
        let envelope = log.checkpoint(&log.origin, size as i64, &root);
        Logged {
            entry: tlog::TransparencyLogEntry {
                log_index: index as i64,
                log_id: Some(tlog::LogId { key_id: log_id }),
                kind_version: Some(tlog::KindVersion {
                    kind: "hashedrekord".into(),
                    version: "0.0.1".into(),
                }),
                integrated_time,
                inclusion_promise: Some(tlog::InclusionPromise {
                    signed_entry_timestamp: set,
                }),
                inclusion_proof: Some(tlog::InclusionProof {
                    log_index: index as i64,
                    root_hash: root.to_vec(),
                    tree_size: size as i64,
                    hashes: proof.iter().map(|h| h.to_vec()).collect(),
                    checkpoint: Some(tlog::Checkpoint { envelope }),
                }),
                canonicalized_body: Vec::new(),
            },
        }
    }

    /// gitsign's offline-mode signature over `payload`: fresh key, certificate valid from
    /// `at`, entry logged at `log_at`; `tamper` may change the entry before it is embedded.
    pub fn sign_with(
        &mut self,
        payload: &[u8],
        who: &Identity,
        at: i64,
        log_at: i64,
        tamper: impl FnOnce(&mut tlog::TransparencyLogEntry),
    ) -> String {
        let key = key();
        let cert = self.certificate(&key, who, at);
        self.sign_using(payload, &key, &cert, at, LOG_A, log_at, tamper)
    }

    /// A signature by a certificate that names `sans` and `issuer`, logged in [`LOG_A`]
    /// two seconds after `at`.
    pub fn sign_naming(&mut self, payload: &[u8], sans: &[San], issuer: &str, at: i64) -> String {
        let key = key();
        let cert = self.certificate_naming(&spki_der(&key), sans, issuer, at);
        self.sign_using(payload, &key, &cert, at, LOG_A, at + 2, |_| {})
    }

    /// A fresh key and its certificate for `who`, valid from `at`: what gitsign's credential
    /// cache keeps for ten minutes and signs many commits with.
    pub fn credential(&mut self, who: &Identity, at: i64) -> (SigningKey, Vec<u8>) {
        let key = key();
        let cert = self.certificate(&key, who, at);
        (key, cert)
    }

    /// A signature over `payload` with `key` and its certificate `cert`, signed at `at`
    /// and logged in log `which` at `log_at`; `tamper` may change the entry first.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_using(
        &mut self,
        payload: &[u8],
        key: &SigningKey,
        cert: &[u8],
        at: i64,
        which: usize,
        log_at: i64,
        tamper: impl FnOnce(&mut tlog::TransparencyLogEntry),
    ) -> String {
        let attributes = cms_build::signed_attributes(payload, at).expect("attributes");
        let signature = sign(key, &attributes.der);
        let digest = hex(&Sha256::digest(&attributes.der));
        let pem =
            der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, cert).expect("pem");
        let body = tlog::hashedrekord_body(&digest, &signature, &pem);
        let mut logged = self.log_in(which, &body, log_at);
        tamper(&mut logged.entry);
        let der = cms_build::assemble(
            cert,
            attributes,
            &signature,
            Some(&logged.entry.encode_to_vec()),
        )
        .expect("CMS");
        cms_build::armor(&der).expect("armor")
    }

    /// [`Self::sign_with`], with an RFC 3161 token from `stamp` (given the instance's TSA
    /// and the signature bytes) embedded beside the log entry, as gitsign stores it.
    pub fn sign_stamped(
        &mut self,
        payload: &[u8],
        who: &Identity,
        at: i64,
        log_at: i64,
        stamp: impl FnOnce(&Tsa, &[u8]) -> Vec<u8>,
    ) -> String {
        let key = key();
        let cert = self.certificate(&key, who, at);
        let attributes = cms_build::signed_attributes(payload, at).expect("attributes");
        let signature = sign(&key, &attributes.der);
        let digest = hex(&Sha256::digest(&attributes.der));
        let pem =
            der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &cert).expect("pem");
        let body = tlog::hashedrekord_body(&digest, &signature, &pem);
        let logged = self.log(&body, log_at);
        let token = stamp(&self.tsa, &signature);
        let der = cms_build::assemble_stamped(
            &cert,
            attributes,
            &signature,
            Some(&logged.entry.encode_to_vec()),
            Some(&token),
        )
        .expect("CMS");
        cms_build::armor(&der).expect("armor")
    }

    /// The CA certificate (DER).
    pub fn ca_certificate(&self) -> &[u8] {
        &self.ca_cert
    }

    /// An ES256 ID token as an OIDC issuer mints it, for audience `sigstore`.
    pub fn token(&self, who: &Identity, expires: i64) -> String {
        self.token_with(who, expires, None)
    }

    /// [`Self::token`], with the `nonce` claim of an authorization request that sent one.
    pub fn token_with(&self, who: &Identity, expires: i64, nonce: Option<&str>) -> String {
        let header =
            Base64UrlUnpadded::encode_string(br#"{"alg":"ES256","typ":"JWT","kid":"test"}"#);
        let mut claims = serde_json::json!({
            "iss": who.issuer, "sub": who.email, "aud": "sigstore", "email": who.email,
            "email_verified": true, "iat": expires - 600, "exp": expires,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        let claims = Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let signature: p256::ecdsa::Signature = self.oidc_key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            Base64UrlUnpadded::encode_string(&signature.to_bytes())
        )
    }

    /// Checks a token as Fulcio would: our issuer's signature, not expired at `now`.
    /// Returns the identity it names.
    pub fn check_token(&self, token: &str, now: i64) -> Result<Identity, String> {
        use p256::ecdsa::signature::Verifier;
        let parts: Vec<&str> = token.split('.').collect();
        let [header, claims, signature] = parts.as_slice() else {
            return Err("not a JWT".into());
        };
        let signature =
            Base64UrlUnpadded::decode_vec(signature).map_err(|_| "bad signature encoding")?;
        let signature =
            p256::ecdsa::Signature::from_slice(&signature).map_err(|_| "bad signature")?;
        self.oidc_key
            .verifying_key()
            .verify(format!("{header}.{claims}").as_bytes(), &signature)
            .map_err(|_| "the token's signature does not verify")?;
        let claims: serde_json::Value = serde_json::from_slice(
            &Base64UrlUnpadded::decode_vec(claims).map_err(|_| "bad claims encoding")?,
        )
        .map_err(|_| "bad claims")?;
        if claims["exp"].as_i64().unwrap_or(0) < now {
            return Err("the token has expired".into());
        }
        Ok(Identity {
            email: claims["email"].as_str().unwrap_or_default().to_string(),
            issuer: claims["iss"].as_str().unwrap_or_default().to_string(),
        })
    }

    pub fn sign(&mut self, payload: &[u8], who: &Identity, at: i64) -> String {
        self.sign_with(payload, who, at, at + 2, |_| {})
    }
}

fn signed_certificate(tbs: TbsCertificate, key: &SigningKey) -> Vec<u8> {
    let signature = sign(key, &tbs.to_der().expect("tbs"));
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).expect("bits"),
    }
    .to_der()
    .expect("certificate")
}

pub fn hash_children(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::digest([&[1u8][..], left, right].concat()).into()
}

/// RFC 6962 section 2.1: MTH of the leaves.
pub fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            hash_children(&merkle_root(&leaves[..k]), &merkle_root(&leaves[k..]))
        }
    }
}

/// RFC 6962 section 2.1.1: PATH(m, D[n]), leaf-side first.
pub fn inclusion_proof(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() <= 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    if m < k {
        let mut path = inclusion_proof(m, &leaves[..k]);
        path.push(merkle_root(&leaves[k..]));
        path
    } else {
        let mut path = inclusion_proof(m - k, &leaves[k..]);
        path.push(merkle_root(&leaves[..k]));
        path
    }
}

/// The largest power of two smaller than `n`.
pub fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
