#!/bin/bash
# The libvirt XML: examples pass libvirt's schema and ours, bad elements
# fail ours (libvirt-xml/validate.sh).
exec bash "$TOP/libvirt-xml/validate.sh"
