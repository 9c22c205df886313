<?php
/*
 * A customised conf/bootstrap_plugins.php of a 5.0.4 install (shape of one seen in the wild):
 * AUTH_DRIVER is given twice, PHP keeps the later one.
 */
defined('AJXP_EXEC') or die( 'Access not allowed');
//require_once AJXP_INSTALL_PATH."/plugins/action.skeleton/class.PluginSkeleton.php";

$PLUGINS = array(
	"CONF_DRIVER" => array(
		"NAME"		=> "serial",
		"OPTIONS"	=> array(
			"REPOSITORIES_FILEPATH"	=> "AJXP_DATA_PATH/plugins/conf.serial/repo.ser",
			"ROLES_FILEPATH"		=> "AJXP_DATA_PATH/plugins/auth.serial/roles.ser",
			"USERS_DIRPATH"			=> "AJXP_DATA_PATH/plugins/auth.serial",
            "FAST_CHECKS"		    => true,
			"CUSTOM_DATA"			=> array(
					"email"	=> "Email",
					"country" => "Country"
				)
			)
	),
	"AUTH_DRIVER" => array(
		"NAME"		=> "serial",
		"OPTIONS"	=> array(
			"LOGIN_REDIRECT"		=> false,
			"USERS_FILEPATH"		=> "AJXP_DATA_PATH/plugins/auth.serial/users.ser",
			"AUTOCREATE_AJXPUSER" 	=> true,
            "FAST_CHECKS"		    => true,
			"TRANSMIT_CLEAR_PASS"	=> false )
	),
	"AUTH_DRIVER" => array(
                        "NAME"    => "remote",
                        "OPTIONS" => array(
                                       "SLAVE_MODE" => true,
                        "LOGIN_REDIRECT"		=> true,
                                       "USERS_FILEPATH" => "AJXP_DATA_PATH/plugins/auth.serial/users.ser",
                                       "LOGIN_URL" => "https://portal.example.org/login.html",
                                       "SECRET" => "123456",
                                       "AUTOCREATE_AJXPUSER" => true,
                                       "TRANSMIT_CLEAR_PASS" => false,
                                       "FAST_CHECKS"		 => true
                                     )
    ),
    "LOG_DRIVER" => array(
         "NAME" => "text",
         "OPTIONS" => array(
             "LOG_PATH" => (defined("AJXP_FORCE_LOGPATH")?AJXP_FORCE_LOGPATH:"AJXP_INSTALL_PATH/data/logs/"),
             "LOG_FILE_NAME" => 'log_' . date('m-d-y') . '.txt',
             "LOG_CHMOD" => 0770
         )
    )
);
