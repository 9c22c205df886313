<?php
/*
 * AjaXplorer 4.2 static repositories (shape of conf/bootstrap_repositories.php @ajaxplorer-core-4.2.3).
 * Use the GUI to add new repositories.
 */
defined('AJXP_EXEC') or die( 'Access not allowed');

$REPOSITORIES[0] = array(
	"DISPLAY"		=>	"Default Files",
	"DISPLAY_ID"		=>	430,
	"AJXP_SLUG"		=>  "default",
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
            "meta.user"     => array(
				"meta_fields"		=> "tags",
				"meta_labels"		=> "Tags"
			),
            "meta.filehasher"   => array(),
		)
	),

);

$REPOSITORIES[1] = array(
	"DISPLAY"		=>	"My Files",
	"DISPLAY_ID"		=>	432,
	"AJXP_SLUG"		=>  "my-files",
	"DRIVER"		=>	"fs",
	"DRIVER_OPTIONS"=> array(
		"PATH"			=>	"AJXP_DATA_PATH/personal/AJXP_USER",
		"CREATE"		=>	true,
		"RECYCLE_BIN" 	=> 	'recycle_bin',
		"CHMOD_VALUE"   =>  '0600',
		"DEFAULT_RIGHTS"=>  "rw",
		"PAGINATION_THRESHOLD" => 500,
		"PAGINATION_NUMBER" => 200
	),

);

// DO NOT REMOVE THIS!
// SHARE ELEMENTS
$REPOSITORIES["ajxp_shared"] = array(
	"DISPLAY"		=>	"Shared Elements",
	"DISPLAY_ID"		=>	"467",
	"DRIVER"		=>	"ajxp_shared",
	"DRIVER_OPTIONS"=> array(
		"DEFAULT_RIGHTS" => "rw"
	)
);

// ADMIN REPOSITORY
$REPOSITORIES["ajxp_conf"] = array(
	"DISPLAY"		=>	"Settings",
	"DISPLAY_ID"		=>	"165",
	"DRIVER"		=>	"ajxp_conf",
	"DRIVER_OPTIONS"=> array()
);

$REPOSITORIES["fs_template"] = array(
	"DISPLAY"		=>	"Sample Template",
	"DISPLAY_ID"		=>	431,
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

/**
 * A predefined FTP server (sample shipped with 4.2.3)
 */
$REPOSITORIES["predefined_ftp"] = array(
	"DISPLAY"		=>	"Predefined FTP",
	"AJXP_SLUG"		=>  "ftp",
	"DRIVER"		=>	"ftp",
	"DRIVER_OPTIONS"=> array(
		"FTP_HOST"		=>	"ftp.example.com",
		"FTP_PORT"		=>	21,
		"PATH"			=>	"/",
		"FTP_SECURE"	=>	false,
		"FTP_DIRECT"	=>	false,
		"USER"			=>	"anonymous",
		"PASS"			=>	"guest@example.com",
		"DEFAULT_RIGHTS"=>  "r"
	),
);
