"""PHP config subset: the real sample files, release-shaped 4.x/5.x/6.x files, and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.legacy.phparray import ConfValue, PhpConfig, Unresolved, evaluate
from tests.support.examples import examples

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_CONF = DATA / "pydio8-sqlite" / "conf"
SER = DATA / "ser"

INSTALL = "/srv/pydio"
BASE: dict[str, ConfValue] = {"AJXP_INSTALL_PATH": INSTALL, "AJXP_CONF_PATH": INSTALL + "/conf"}


def run(source: str, **constants: ConfValue) -> PhpConfig:
    return evaluate("<?php\n" + source, file_path="/srv/pydio/conf/x.php", constants=constants)


def read(path: Path, constants: dict[str, ConfValue] | None = None) -> PhpConfig:
    return evaluate(
        path.read_text(encoding="utf-8"),
        file_path=f"{INSTALL}/conf/{path.name}",
        constants=constants,
    )


# --- real files -----------------------------------------------------------------------------


def test_sample_8x_bootstrap_context() -> None:
    conf = read(SAMPLE_CONF / "bootstrap_context.php", BASE)
    assert dict(conf.constants) == {
        **BASE,
        "AJXP_EXEC": True,
        "AJXP_DATA_PATH": "/srv/pydio/data",
        "AJXP_CACHE_DIR": "/srv/pydio/data/cache",
        "AJXP_PLUGINS_FOLDER": "plugins",
        "PBKDF2_HASH_ALGORITHM": "sha256",
        "PBKDF2_ITERATIONS": 1000,
        "PBKDF2_HASH_BYTE_SIZE": 24,
    }
    assert conf.warnings == ()


def test_sample_8x_bootstrap_repositories() -> None:
    conf = read(SAMPLE_CONF / "bootstrap_repositories.php", {"AJXP_EXEC": True})
    repos = conf.variable("REPOSITORIES")
    assert isinstance(repos, dict)
    assert list(repos) == [0, 1, "ajxp_home", "inbox", "ajxp_conf", "fs_template"]
    assert repos["ajxp_conf"] == {
        "DISPLAY": "Settings",
        "AJXP_SLUG": "settings",
        "DISPLAY_ID": "165",
        "DESCRIPTION_ID": "506",
        "DRIVER": "ajxp_conf",
        "DRIVER_OPTIONS": {},
    }
    files = repos[1]
    assert isinstance(files, dict)
    options = files["DRIVER_OPTIONS"]
    assert isinstance(options, dict)
    assert options["PATH"] == "AJXP_DATA_PATH/personal/AJXP_USER"
    assert options["CREATE"] is True
    assert options["PAGINATION_THRESHOLD"] == 500
    assert options["META_SOURCES"] == {
        "metastore.serial": {"METADATA_FILE": ".ajxp_meta", "METADATA_FILE_LOCATION": "infolders"},
        "meta.user": {"meta_fields": "tags", "meta_labels": "Tags", "meta_visibility": "hidden"},
        "meta.filehasher": {},
        "meta.watch": {},
        "meta.syncable": {"REPO_SYNCABLE": True},
        "meta.exif": {
            "meta_fields": "COMPUTED_GPS.GPS_Latitude,COMPUTED_GPS.GPS_Longitude",
            "meta_labels": "Latitude,Longitude",
        },
        "index.lucene": {"index_meta_fields": "tags", "repository_specific_keywords": "AJXP_USER"},
    }
    assert conf.warnings == ()


def test_repositories_alone_hit_the_exec_guard_but_are_still_read() -> None:
    conf = read(SAMPLE_CONF / "bootstrap_repositories.php")
    repos = conf.variable("REPOSITORIES")
    assert isinstance(repos, dict)
    assert len(repos) == 6
    assert [w.message for w in conf.warnings] == [
        "statement not evaluated: die() reached, where PHP would stop; the rest is still read"
    ]


UNKNOWN_IF = "if condition not known (function_exists() is not evaluated): both branches skipped"


def test_4x_context_computes_install_path_itself() -> None:
    conf = evaluate(
        (SER / "ajxp-4.2.3" / "conf" / "bootstrap_context.php").read_text(),
        file_path="/var/www/ajaxplorer/conf/bootstrap_context.php",
    )
    assert conf.constant("AJXP_INSTALL_PATH") == "/var/www/ajaxplorer"
    assert conf.constant("AJXP_CONF_PATH") == "/var/www/ajaxplorer/conf"
    assert conf.constant("AJXP_DATA_PATH") == "/var/www/ajaxplorer/data"
    assert conf.constant("AJXP_CACHE_DIR") == "/var/www/ajaxplorer/data/cache"
    assert conf.constant("AJXP_EXEC") is True
    version = conf.constant("AJXP_VERSION")
    assert isinstance(version, Unresolved)
    assert version.reason == "$vNmber is not set"
    assert [str(w) for w in conf.warnings] == [
        f"line 6: {UNKNOWN_IF}",
        f"line 9: {UNKNOWN_IF}",
        "line 12: skipped (expected ')', found '&'): @ error_reporting ( E_ALL & ~ E_NOTICE )",
        "line 14: statement not evaluated: setlocale() is not evaluated",
        "line 20: skipped (unsupported statement 'list'): list ( $vNmber , $vDate ) = explode",
        "line 21: constant AJXP_VERSION not known: $vNmber is not set",
        "line 22: constant AJXP_VERSION_DATE not known: $vDate is not set",
        'line 25: skipped (require is not followed): require ( "compat.php" ) ;',
        "line 46: skipped (function declaration): function AjaXplorer_autoload ( $className ) {"
        " $fileName =",
        "line 53: statement not evaluated: spl_autoload_register() is not evaluated",
        "line 55: statement not evaluated: AJXP_Utils::safeIniSet() is not evaluated",
    ]


def test_64_context_uses_install_path_from_base_conf() -> None:
    conf = read(SER / "pydio-6.4" / "conf" / "bootstrap_context.php", BASE)
    assert conf.constant("AJXP_DATA_PATH") == "/srv/pydio/data"
    assert conf.constant("AJXP_SHARED_CACHE_DIR") == "/srv/pydio/data/cache"
    assert conf.constant("PBKDF2_ITERATIONS") == 1000
    assert any("both branches skipped" in w.message for w in conf.warnings)


def test_4x_plugins_serial() -> None:
    conf = read(SER / "ajxp-4.2.3" / "conf" / "bootstrap_plugins.php", {"AJXP_EXEC": True})
    plugins = conf.variable("PLUGINS")
    assert isinstance(plugins, dict)
    assert plugins["CONF_DRIVER"] == {
        "NAME": "serial",
        "OPTIONS": {
            "REPOSITORIES_FILEPATH": "AJXP_DATA_PATH/plugins/conf.serial/repo.ser",
            "ROLES_FILEPATH": "AJXP_DATA_PATH/plugins/auth.serial/roles.ser",
            "USERS_DIRPATH": "AJXP_DATA_PATH/plugins/auth.serial",
            "FAST_CHECKS": False,
            "CUSTOM_DATA": {"email": "Email", "country": "Country"},
        },
    }
    log = plugins["LOG_DRIVER"]
    assert isinstance(log, dict)
    assert log["OPTIONS"] == {
        "LOG_PATH": "AJXP_INSTALL_PATH/data/logs/",  # the ternary, AJXP_FORCE_LOGPATH undefined
        "LOG_FILE_NAME": Unresolved("date() is not evaluated"),
        "LOG_CHMOD": 0o770,
    }


def test_4x_repositories() -> None:
    conf = read(SER / "ajxp-4.2.3" / "conf" / "bootstrap_repositories.php", {"AJXP_EXEC": True})
    repos = conf.variable("REPOSITORIES")
    assert isinstance(repos, dict)
    assert list(repos) == [0, 1, "ajxp_shared", "ajxp_conf", "fs_template", "predefined_ftp"]
    ftp = repos["predefined_ftp"]
    assert isinstance(ftp, dict)
    assert ftp["DRIVER_OPTIONS"] == {
        "FTP_HOST": "ftp.example.com",
        "FTP_PORT": 21,
        "PATH": "/",
        "FTP_SECURE": False,
        "FTP_DIRECT": False,
        "USER": "anonymous",
        "PASS": "guest@example.com",
        "DEFAULT_RIGHTS": "r",
    }
    assert conf.warnings == ()


def test_64_repositories_skip_plugin_loader() -> None:
    conf = read(SER / "pydio-6.4" / "conf" / "bootstrap_repositories.php", {"AJXP_EXEC": True})
    repos = conf.variable("REPOSITORIES")
    assert isinstance(repos, dict)
    assert list(repos) == [0, 1, "ajxp_user", "ajxp_home", "inbox", "ajxp_conf", "fs_template"]
    assert conf.variable("plugins") == Unresolved("glob() is not evaluated")
    assert [w.line for w in conf.warnings] == [114]  # the "if ($plugins !== false)" guard


def test_custom_plugins_duplicate_key_later_wins() -> None:
    conf = read(SER / "php" / "bootstrap_plugins.custom.php", {"AJXP_EXEC": True})
    plugins = conf.variable("PLUGINS")
    assert isinstance(plugins, dict)
    assert list(plugins) == ["CONF_DRIVER", "AUTH_DRIVER", "LOG_DRIVER"]
    auth = plugins["AUTH_DRIVER"]
    assert isinstance(auth, dict)
    assert auth["NAME"] == "remote"


def test_multi_template_nested_drivers() -> None:
    conf = read(SER / "php" / "bootstrap_plugins.multi.php", {"AJXP_EXEC": True})
    plugins = conf.variable("PLUGINS")
    assert isinstance(plugins, dict)
    auth = plugins["AUTH_DRIVER"]
    assert isinstance(auth, dict)
    options = auth["OPTIONS"]
    assert isinstance(options, dict)
    assert options["MASTER_DRIVER"] == "ldap"
    drivers = options["DRIVERS"]
    assert isinstance(drivers, dict)
    assert list(drivers) == ["ldap", "serial"]
    assert conf.warnings == ()


# --- the subset, one construct at a time ------------------------------------------------------

CASES: list[tuple[str, str, ConfValue]] = [
    ("concat", 'define("A", "x" . 1 . true . null . 1.5);', "x111.5"),
    ("constant-ref", 'define("B", "b"); define("A", B . "/c");', "b/c"),
    ("file", "define('A', __FILE__);", "/srv/pydio/conf/x.php"),
    ("dir", "define('A', __DIR__);", "/srv/pydio/conf"),
    ("dirname", "define('A', dirname(__FILE__));", "/srv/pydio/conf"),
    ("dirname-levels", "define('A', dirname(__FILE__, 2));", "/srv/pydio"),
    (
        "realpath",
        'define("A", realpath(dirname(__FILE__) . "/../data/./x/.."));',
        "/srv/pydio/data",
    ),
    ("sep", 'define("A", "a" . DIRECTORY_SEPARATOR . "b");', "a/b"),
    ("ternary-defined", 'define("A", defined("NOPE") ? NOPE : "dflt");', "dflt"),
    ("ternary-short", 'define("A", "" ?: "other");', "other"),
    ("coalesce", 'define("A", $unset ?? "fallback");', "fallback"),
    ("guard-not-defined", 'if (!defined("A")) { define("A", "first"); }', "first"),
    ("guard-else", 'define("Z", 1); if (!defined("Z")) define("A", 1); else define("A", 2);', 2),
    ("elseif", 'if (false) define("A", 1); elseif (true) define("A", 3); else define("A", 4);', 3),
    (
        "else-if",
        'if (0) { define("A", 1); } else if ("0") { define("A", 2); } else { define("A", 5); }',
        5,
    ),
    ("redefine-ignored", 'define("A", 1); define("A", 2);', 1),
    ("or-die", 'defined("AJXP_EXEC") or die("no"); define("A", "after");', "after"),
    ("and", 'define("A", true && "0");', False),
    ("compare", 'define("A", "1" == 1);', True),
    ("identity", 'define("A", "1" === 1);', False),
    ("sq-escapes", r"define('A', 'it\'s \n \\ x');", "it's \\n \\ x"),
    ("dq-escapes", r'define("A", "t\tn\n\x41\101\u{e9}\$\"");', 't\tn\nAAé$"'),
    ("interpolation", '$v = "data"; define("A", "/srv/$v/{$v}x");', "/srv/data/datax"),
    ("octal", 'define("A", 0770);', 0o770),
    ("hex", 'define("A", 0x1F);', 31),
    ("float", 'define("A", 1.5e3);', 1500.0),
    ("negative", 'define("A", -5 + 2);', -3),
    ("hash-comment", '# comment\ndefine("A", /* inline */ "v"); // trailing', "v"),
    (
        "heredoc",
        'define("A", <<<EOT\nline $x\nEOT\n);',
        Unresolved("string interpolates an unknown variable $x"),
    ),
    ("nowdoc", "define(\"A\", <<<'EOT'\nraw $x\\n\nEOT\n);", "raw $x\\n"),
    ("case-insensitive", 'define("A", TRUE); define("B", NULL);', True),
    (
        "unknown-constant",
        'define("A", SOME_CONST . "/x");',
        Unresolved("constant SOME_CONST is not defined here"),
    ),
    ("getenv", 'define("A", getenv("PYDIO_DATA"));', Unresolved("getenv() is not evaluated")),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_constant_expressions(source: str, expected: ConfValue) -> None:
    conf = run(source, AJXP_EXEC=True)
    assert conf.constant("A") == expected
    assert type(conf.constant("A")) is type(expected)


def test_array_building() -> None:
    conf = run(
        """
        $R = array();
        $R["a"]["b"] = 1;
        $R[] = "x";
        $R[] = "y";
        $R["5"] = "int key";
        $R[true] = "true key";
        $S = ["k" => [1, 2, 3,], 'k2' => array("n" => null)];
        $T = $S; $T["k"] = "changed";
        $s = "a"; $s .= "b";
        $L = array("x", 7 => "y", "z");
        """
    )
    assert conf.variable("R") == {"a": {"b": 1}, 0: "x", 1: "true key", 5: "int key"}
    assert conf.variable("S") == {"k": {0: 1, 1: 2, 2: 3}, "k2": {"n": None}}
    assert conf.variable("T") == {"k": "changed", "k2": {"n": None}}
    assert conf.variable("s") == "ab"
    assert conf.variable("L") == {0: "x", 7: "y", 8: "z"}
    assert conf.warnings == ()


def test_index_read() -> None:
    conf = run('$A = array("x" => array("y" => "v")); define("C", $A["x"]["y"]);')
    assert conf.constant("C") == "v"


def test_unknown_constructs_skipped_and_rest_read() -> None:
    conf = run(
        """
        class Foo { public $a = 1; function b() { return 2; } }
        foreach ($x as $k => $v) { define("NO", 1); }
        while (true) define("NO2", 1);
        $obj->prop = 3;
        list($a, $b) = explode(",", "1,2");
        define("AFTER", "yes");
        """
    )
    assert conf.constant("AFTER") == "yes"
    assert conf.constant("NO") is None
    assert conf.constant("NO2") is None
    reasons = [w.message.split(")")[0] for w in conf.warnings]
    assert reasons == [
        "skipped (unsupported statement 'class'",
        "skipped (unsupported statement 'foreach'",
        "skipped (unsupported statement 'while'",
        "skipped (unexpected '->'",
        "skipped (unsupported statement 'list'",
    ]
    assert [w.line for w in conf.warnings] == [3, 4, 5, 6, 7]


def test_inline_html_and_close_tag() -> None:
    conf = evaluate('<html><?php define("A", 1) ?>text<?php define("B", 2);')
    assert dict(conf.constants) == {"A": 1, "B": 2}


@pytest.mark.parametrize(
    "source",
    [
        'define("A", "unterminated',
        "define(",
        "$a = array(1, 2",
        "}}}}",
        "if (",
        "((((((((((",
        "$x[",
        "<<<EOT",
        "\x00\xff garbage ''' \"\" ",
        "?>",
        "a" * 5000,
        "array(" * 2000,
        "else::",  # found by hypothesis: a class-constant lookup at the end of the file
        "A::",
    ],
)
def test_garbage_never_raises(source: str) -> None:
    conf = run(source)
    assert isinstance(conf, PhpConfig)
    assert conf.constant("A") is None or isinstance(conf.constant("A"), Unresolved)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_raises(source: str) -> None:
    assert isinstance(run(source), PhpConfig)


_PIECES = ['define("A", ', "$x", "[", "]", "(", ")", "{", "}", ";", ",", ".", "=>", "=", "?", ":",
           '"s"', "'t'", "1", "array(", "if", "else", "!", "or", "die()", "__FILE__", "<<<E\n",
           "\nE\n", "/*", "*/", "//", "\n", "?>", "<?php "]  # fmt: skip
_PHPISH = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=examples(300), deadline=None)
@given(_PHPISH)
def test_token_soup_never_raises(source: str) -> None:
    assert isinstance(run(source), PhpConfig)
