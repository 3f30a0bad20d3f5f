-- What each passkey's attestation proved at registration (DESIGN.md "Hardware"): its
-- statement format, and the trust anchor its certificate chain reached (SHA-256 of the
-- anchor's DER, and a label for people), NULL when it reached none. Passkeys stored
-- before this were registered with attestation "none": the defaults say so, and none of
-- them is hardware-attested.
ALTER TABLE passkeys ADD COLUMN attestation_format text NOT NULL DEFAULT 'none';
ALTER TABLE passkeys ADD COLUMN attestation_anchor text;
ALTER TABLE passkeys ADD COLUMN attestation_anchor_label text;
