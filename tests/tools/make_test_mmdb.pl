#!/usr/bin/perl
# Writes a small MaxMind DB with both country and ASN fields (GeoLite2-Country + GeoLite2-ASN
# shape in one file) for rampart's tests: tests/CMakeLists.txt runs it into the build directory
# (never committed), and tests/integration/test_client_intel.py runs it into a temp directory.
#
#   make_test_mmdb.pl OUT.mmdb [VARIANT]
#
# VARIANT "default" (the networks below) or "moved" (127.0.0.0/8 now in FR / AS64501), which
# the hot-reload test writes over the first file. Uses Debian's libmaxmind-db-writer-perl.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $variant) = @ARGV;
die "usage: $0 OUT.mmdb [default|moved]\n" unless defined $out;
$variant //= 'default';

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    iso_code                       => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 28,
    database_type         => 'rampart-test-country-asn',
    languages             => ['en'],
    description           => { en => 'rampart test database (country + ASN)' },
    map_key_type_callback => sub { $types{ $_[0] } },
    # Keep IPv4-in-IPv6 aliases out: lookups of IPv4 clients go through the ::/96 subtree.
    alias_ipv6_to_ipv4    => 0,
    remove_reserved_networks => 0,
);

my $loopback = $variant eq 'moved'
    ? { country => { iso_code => 'FR' }, autonomous_system_number => 64501,
        autonomous_system_organization => 'Moved Test Net' }
    : { country => { iso_code => 'DE' }, autonomous_system_number => 64500,
        autonomous_system_organization => 'Loopback Test Net' };

$tree->insert_network('127.0.0.0/8', $loopback);
$tree->insert_network('192.0.2.0/24', { country => { iso_code => 'US' },
    autonomous_system_number => 64496, autonomous_system_organization => 'Documentation Net 1' });
# Only a registered country: the lookup falls back to it.
$tree->insert_network('198.51.100.0/24', { registered_country => { iso_code => 'JP' },
    autonomous_system_number => 64497, autonomous_system_organization => 'Documentation Net 2' });
# ASN only, no country.
$tree->insert_network('203.0.113.0/24', { autonomous_system_number => 64498,
    autonomous_system_organization => 'Documentation Net 3' });
$tree->insert_network('2001:db8::/32', { country => { iso_code => 'NL' },
    autonomous_system_number => 64499, autonomous_system_organization => 'Documentation Net 6' });
$tree->insert_network('::1/128', $loopback);

open my $fh, '>:raw', "$out.tmp" or die "cannot write $out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out.tmp: $!\n";
# Renamed into place: a reader (rampart's file watch) never sees a half-written database.
rename "$out.tmp", $out or die "cannot rename $out.tmp to $out: $!\n";
