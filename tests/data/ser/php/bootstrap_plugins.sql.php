<?php
/*
 * Shape of conf/templates/bootstrap_plugins.sql.php @ajaxplorer-core-4.2.3:
 * conf and auth in a MySQL database, raw dibi parameters.
 */
defined('AJXP_EXEC') or die( 'Access not allowed');

$PLUGINS = array(
	"CONF_DRIVER" => array(
		"NAME"		=> "sql",
		"OPTIONS"	=> array(
			"SQL_DRIVER"	=> array(
				"driver"	=> "mysql",
				"host"		=> "db.example.org:3307",
				"database"	=> "ajxp",
				"user"		=> "ajxp_user",
				"password"	=> "p@ss:w/rd"
			)
		)
	),
	"AUTH_DRIVER" => array(
		"NAME"		=> "sql",
		"OPTIONS"	=> array(
			"SQL_DRIVER"	=> array(
				"driver"	=> "mysql",
				"host"		=> "db.example.org:3307",
				"database"	=> "ajxp",
				"user"		=> "ajxp_user",
				"password"	=> "p@ss:w/rd"
			),
			"LOGIN_REDIRECT"		=> false,
			"TRANSMIT_CLEAR_PASS"	=> false
		)
	),
	"LOG_DRIVER" => array(
		"NAME" => "text",
		"OPTIONS" => array(
			"LOG_PATH" => "AJXP_INSTALL_PATH/data/logs/",
			"LOG_FILE_NAME" => 'log_' . date('m-d-y') . '.txt',
			"LOG_CHMOD" => 0770
		)
	)
);
