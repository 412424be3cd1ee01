object e7a381eabbd26e7eb18bde574b7458e32fcc4974
type commit
tag v2
tagger C O Mitter <committer@example.com> 1795567947 +0000

openpgp tag
-----BEGIN PGP SIGNATURE-----

iIgEABYIADAWIQTzKbyY+n0abZLKAFi1IroeeosoiwUCawYxSxIcYWxpY2VAZXhh
bXBsZS5jb20ACgkQtSK6HnqLKIvi0gD9GmqNoBHj850k9TNll35fg7Bpurp4Hk7M
KT/oTC5NpJsBAKWjaENp9CfY36DzAzXkk5CEtn+Lbx3I3l+nYvaddmMJ
=p/05
-----END PGP SIGNATURE-----
