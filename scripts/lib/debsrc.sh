# Sourced by scripts/git-suite.sh and scripts/openssh-suite.sh: a Debian source package
# downloaded once into $PEER_CACHE/dl/<package>, with a deb-src entry added for the
# download and removed after it (the layout and lock of shared/peer-suites/debsrc.sh, so
# any of them fills the cache for the others). The caller sets PEER_CACHE and defines say.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

DEBSRC_LIST=/etc/apt/sources.list.d/gitseal-peer-deb-src.sources
DEBSRC_BASE=/etc/apt/sources.list.d/debian.sources

restore_apt() {
	if [ -e "$DEBSRC_LIST" ]; then
		as_root rm -f "$DEBSRC_LIST"
		as_root apt-get update -qq >/dev/null 2>&1 ||
			say "WARNING: the final 'apt-get update' failed; run it by hand"
	fi
}

# debsrc_download PACKAGE: its .dsc and files in $PEER_CACHE/dl/PACKAGE, unless already there.
debsrc_download() {
	local package=$1
	mkdir -p "$PEER_CACHE/dl"
	(
		flock 9
		ls "$PEER_CACHE/dl/$package/"*.dsc >/dev/null 2>&1 && exit 0
		[ -r "$DEBSRC_BASE" ] || { say "no $DEBSRC_BASE to copy a deb-src entry from"; exit 2; }
		[ -e "$DEBSRC_LIST" ] && { say "$DEBSRC_LIST exists (a run died?): remove it and run apt-get update"; exit 2; }
		say "downloading Debian's $package source package"
		trap restore_apt EXIT
		trap 'exit 2' INT TERM HUP
		sed 's/^Types:.*/Types: deb-src/' "$DEBSRC_BASE" | as_root tee "$DEBSRC_LIST" >/dev/null
		as_root apt-get update -qq >/dev/null || { say "apt-get update failed"; exit 2; }
		rm -rf "$PEER_CACHE/dl/$package.part"
		mkdir -p "$PEER_CACHE/dl/$package.part"
		(cd "$PEER_CACHE/dl/$package.part" && as_root apt-get source -qq --download-only "$package" >/dev/null) ||
			{ say "apt-get source --download-only $package failed"; exit 2; }
		rm -rf "$PEER_CACHE/dl/$package"
		mv "$PEER_CACHE/dl/$package.part" "$PEER_CACHE/dl/$package"
	) 9>"$PEER_CACHE/.debsrc.lock"
}
