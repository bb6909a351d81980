/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The words of a mount's `options` (runtime-spec config.md, the set runc
 * 1.1 accepts): one table for mount(2) flags, one for the recursive
 * mount_setattr(2) attributes, one for propagation, berth's and crun's
 * extensions, and the filesystem's own words that go to it as data. The
 * executor (mount.c, for `berth run` and `berth oci` alike) and `features`
 * read these tables; nothing else parses option words.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "core/strv.h"
#include "runtime/internal.h"

/* clear: the word turns the flag off ("rw" clears MS_RDONLY) */
static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
} mount_flags[] = {
	{"acl", MS_POSIXACL, false},
	{"async", MS_SYNCHRONOUS, true},
	{"atime", MS_NOATIME, true},
	{"bind", MS_BIND, false},
	{"defaults", 0, false},
	{"dev", MS_NODEV, true},
	{"diratime", MS_NODIRATIME, true},
	{"dirsync", MS_DIRSYNC, false},
	{"exec", MS_NOEXEC, true},
	{"iversion", MS_I_VERSION, false},
	{"lazytime", MS_LAZYTIME, false},
	{"loud", MS_SILENT, true},
	{"mand", MS_MANDLOCK, false},
	{"noacl", MS_POSIXACL, true},
	{"noatime", MS_NOATIME, false},
	{"nodev", MS_NODEV, false},
	{"nodiratime", MS_NODIRATIME, false},
	{"noexec", MS_NOEXEC, false},
	{"noiversion", MS_I_VERSION, true},
	{"nolazytime", MS_LAZYTIME, true},
	{"nomand", MS_MANDLOCK, true},
	{"norelatime", MS_RELATIME, true},
	{"nostrictatime", MS_STRICTATIME, true},
	{"nosuid", MS_NOSUID, false},
	{"rbind", MS_BIND | MS_REC, false},
	{"relatime", MS_RELATIME, false},
	{"remount", MS_REMOUNT, false},
	{"ro", MS_RDONLY, false},
	{"rw", MS_RDONLY, true},
	{"silent", MS_SILENT, false},
	{"strictatime", MS_STRICTATIME, false},
	{"suid", MS_NOSUID, true},
	{"sync", MS_SYNCHRONOUS, false},
};

/*
 * The recursive ones (runc 1.1), set on the whole tree with mount_setattr
 * and AT_RECURSIVE. An atime word replaces the tree's atime mode as the
 * kernel asks (all of MOUNT_ATTR__ATIME cleared, one mode set): "ratime",
 * "rnostrictatime" go back to relatime, "rnorelatime" is strictatime.
 */
static const struct {
	const char *name;
	uint64_t set, clr;
} rec_attrs[] = {
	{"rro", MOUNT_ATTR_RDONLY, 0},
	{"rrw", 0, MOUNT_ATTR_RDONLY},
	{"rnosuid", MOUNT_ATTR_NOSUID, 0},
	{"rsuid", 0, MOUNT_ATTR_NOSUID},
	{"rnodev", MOUNT_ATTR_NODEV, 0},
	{"rdev", 0, MOUNT_ATTR_NODEV},
	{"rnoexec", MOUNT_ATTR_NOEXEC, 0},
	{"rexec", 0, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
	{"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
	{"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
	{"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
	{"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
	{"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
	{"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/*
 * Extensions: "tmpcopyup" (crun's: a tmpfs starts with a copy of the
 * image's directory it covers), "notmpcopyup" (its default),
 * "berth.copyup" (berth run's named-volume pre-fill: an empty bind source
 * gets the image's directory).
 */
enum {
	EXT_TMPCOPYUP,
	EXT_NOTMPCOPYUP,
	EXT_COPYUP
};
static const char *const extensions[] = {
	[EXT_TMPCOPYUP] = "tmpcopyup",
	[EXT_NOTMPCOPYUP] = "notmpcopyup",
	[EXT_COPYUP] = "berth.copyup",
};

/*
 * Words without "=" that are the filesystem's own (devpts, tmpfs, overlay,
 * cgroup2), passed to it as data with every KEY=VALUE option. Any other
 * word is refused: a misspelt flag must not reach the kernel as data.
 */
static const char *const fs_words[] = {
	"newinstance",
	"inode32",
	"inode64",
	"noswap",
	"user_xattr",
	"nouser_xattr",
	"userxattr",
	"volatile",
	"nsdelegate",
	"favordynmods",
	"memory_recursiveprot",
	"memory_localevents",
};

int berth_runtime_propagation_flag(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(propagation); i++)
		if (strcmp(name, propagation[i].name) == 0) {
			*ret = propagation[i].flag;
			return 0;
		}
	return -EINVAL;
}

const char *berth_runtime_propagation_name(unsigned long flag)
{
	for (size_t i = 0; i < ELEMENTSOF(propagation); i++)
		if (propagation[i].flag == flag)
			return propagation[i].name;
	return NULL;
}

static bool parse_flag(const char *opt, struct berth_mount_opts *o)
{
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++) {
		if (strcmp(opt, mount_flags[i].name) != 0)
			continue;
		if (mount_flags[i].clear) {
			o->flags &= ~mount_flags[i].flag;
			o->cleared |= mount_flags[i].flag;
		} else {
			o->flags |= mount_flags[i].flag;
			o->cleared &= ~mount_flags[i].flag;
		}
		return true;
	}
	return false;
}

static bool parse_rec_attr(const char *opt, struct berth_mount_opts *o)
{
	for (size_t i = 0; i < ELEMENTSOF(rec_attrs); i++) {
		if (strcmp(opt, rec_attrs[i].name) != 0)
			continue;
		o->rec_set = (o->rec_set & ~rec_attrs[i].clr) | rec_attrs[i].set;
		o->rec_clr = (o->rec_clr & ~rec_attrs[i].set) | rec_attrs[i].clr;
		return true;
	}
	return false;
}

static bool parse_extension(const char *opt, struct berth_mount_opts *o)
{
	for (size_t i = 0; i < ELEMENTSOF(extensions); i++) {
		if (strcmp(opt, extensions[i]) != 0)
			continue;
		if (i == EXT_COPYUP)
			o->copyup = true;
		else
			o->tmpcopyup = i == EXT_TMPCOPYUP;
		return true;
	}
	return false;
}

static bool is_fs_word(const char *opt)
{
	if (strchr(opt, '=') && opt[0] != '=')
		return true;
	for (size_t i = 0; i < ELEMENTSOF(fs_words); i++)
		if (strcmp(opt, fs_words[i]) == 0)
			return true;
	return false;
}

int berth_runtime_mount_opts_parse(char *const *options, struct berth_mount_opts *o,
				   struct berth_error **err)
{
	BERTH_STRV_FOREACH (opt, options) {
		if (parse_flag(*opt, o) || parse_rec_attr(*opt, o) || parse_extension(*opt, o) ||
		    berth_runtime_propagation_flag(*opt, &o->prop) == 0)
			continue;
		if (!is_fs_word(*opt))
			return berth_error_set(err, EINVAL, "unknown mount option '%s'", *opt);
		if (o->data.len)
			berth_buf_addch(&o->data, ',');
		berth_buf_addstr(&o->data, *opt);
	}
	return 0;
}

void berth_runtime_mount_opts_release(struct berth_mount_opts *o)
{
	berth_buf_release(&o->data);
}

char **berth_runtime_mount_option_names(void)
{
	char **v = NULL;
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
		berth_strv_push(&v, mount_flags[i].name);
	for (size_t i = 0; i < ELEMENTSOF(rec_attrs); i++)
		berth_strv_push(&v, rec_attrs[i].name);
	for (size_t i = 0; i < ELEMENTSOF(propagation); i++)
		berth_strv_push(&v, propagation[i].name);
	for (size_t i = 0; i < ELEMENTSOF(extensions); i++)
		berth_strv_push(&v, extensions[i]);
	return v;
}
