<?php
/*
 * Pydio 6.4 static repositories (shape of conf/bootstrap_repositories.php @pydio-core-6.4.2).
 */
defined('AJXP_EXEC') or die( 'Access not allowed');

$REPOSITORIES[0] = array(
    "DISPLAY"		=>	"Common Files",
    "DISPLAY_ID"    =>  430,
    "DESCRIPTION_ID"=>  475,
    "AJXP_SLUG"		=>  "common-files",
    "DRIVER"		=>	"fs",
    "DRIVER_OPTIONS"=> array(
        "PATH"			=>	"AJXP_DATA_PATH/files",
        "CREATE"		=>	true,
        "RECYCLE_BIN" 	=> 	'recycle_bin',
        "CHMOD_VALUE"   =>  '0600',
        "DEFAULT_RIGHTS"=>  "",
        "PAGINATION_THRESHOLD" => 500,
        "PAGINATION_NUMBER" => 200,
        "META_SOURCES"		=> array(
            "metastore.serial"=> array(
                "METADATA_FILE"	=> ".ajxp_meta",
                "METADATA_FILE_LOCATION" => "infolders"
            ),
            "meta.watch"        => array(),
        )
    ),

);

$REPOSITORIES[1] = array(
    "DISPLAY"		=>	"My Files",
    "DISPLAY_ID"    =>  432,
    "DESCRIPTION_ID"=>  476,
    "AJXP_SLUG"		=>  "my-files",
    "DRIVER"		=>	"fs",
    "DRIVER_OPTIONS"=> array(
        "PATH"			=>	"AJXP_DATA_PATH/personal/AJXP_USER",
        "CREATE"		=>	true,
        "RECYCLE_BIN" 	=> 	'recycle_bin',
        "CHMOD_VALUE"   =>  '0600',
        "DEFAULT_RIGHTS"=>  "rw",
        "PAGINATION_THRESHOLD" => 500,
        "PAGINATION_NUMBER" => 200,
    ),

);

// DO NOT REMOVE THIS!
// USER DASHBOARD
$REPOSITORIES["ajxp_user"] = array(
    "DISPLAY"		=>	"My Dashboard",
    "DISPLAY_ID"		=>	"user_dash.title",
    "DESCRIPTION_ID"	=>	"user_dash.desc",
    "DRIVER"		=>	"ajxp_user",
    "DRIVER_OPTIONS"=> array(
        "DEFAULT_RIGHTS" => "rw"
    )
);

$REPOSITORIES["ajxp_home"] = array(
    "DISPLAY"		=>	"Welcome",
    "AJXP_SLUG"     =>  "welcome",
    "DISPLAY_ID"		=>	"user_home.title",
    "DESCRIPTION_ID"	=>	"user_home.desc",
    "DRIVER"		=>	"ajxp_home",
    "DRIVER_OPTIONS"=> array(
        "DEFAULT_RIGHTS" => "rw"
    )
);

$REPOSITORIES["inbox"] = array(
    "DISPLAY"		=>	"Inbox",
    "AJXP_SLUG"     =>  "inbox",
    "DISPLAY_ID"		=>	"inbox_driver.12",
    "DESCRIPTION_ID"	=>	"inbox_driver.13",
    "DRIVER"		=>	"inbox",
    "DRIVER_OPTIONS"=> array(
        "DEFAULT_RIGHTS" => "rw"
    )
);

// ADMIN REPOSITORY
$REPOSITORIES["ajxp_conf"] = array(
    "DISPLAY"		=>	"Settings",
    "AJXP_SLUG"     =>  "settings",
    "DISPLAY_ID"		=>	"165",
    "DESCRIPTION_ID"	=>	"506",
    "DRIVER"		=>	"ajxp_conf",
    "DRIVER_OPTIONS"=> array()
);

$REPOSITORIES["fs_template"] = array(
    "DISPLAY"		=>	"Sample Template",
    "DISPLAY_ID"    =>  431,
    "IS_TEMPLATE"	=>  true,
    "DRIVER"		=>	"fs",
    "DRIVER_OPTIONS"=> array(
        "CREATE"		=>	true,
        "RECYCLE_BIN" 	=> 	'recycle_bin',
        "CHMOD_VALUE"   =>  '0600',
        "PAGINATION_THRESHOLD" => 500,
        "PAGINATION_NUMBER" => 200,
        "PURGE_AFTER"       => 0,
        "CHARSET"           => ""
    ),

);

// DO NOT REMOVE THIS!
// Load plugins-defined repositories
$plugins = glob(AJXP_INSTALL_PATH."/plugins/*/repositories.php");
if ($plugins !== false) {
    foreach ($plugins as $file) include($file);
}
